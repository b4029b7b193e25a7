import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, type TestApp } from '../test-support/harness.js';

let t: TestApp;
beforeAll(async () => { t = await testApp(); });
afterAll(() => t.close());

describe('environments', () => {
  it('form an ordered promotion path, with insertion after another', async () => {
    for (const name of ['development', 'staging', 'production']) await t.call('POST', '/api/v1/environments', { body: { name } });
    const test = await t.call('POST', '/api/v1/environments', { body: { name: 'test', after: 'development', protected: false } });
    expect(test.json()).toMatchObject({ position: 2, previous: 'development' });
    const path = (await t.call('GET', '/api/v1/environments')).json().items;
    expect(path.map((e: { name: string }) => e.name)).toEqual(['development', 'test', 'staging', 'production']);
    expect(path.map((e: { previous: string | null }) => e.previous)).toEqual([null, 'development', 'test', 'staging']);
    expect(path.map((e: { position: number }) => e.position)).toEqual([1, 2, 3, 4]);
  });

  it('keeps order when environments are created concurrently', async () => {
    const names = Array.from({ length: 8 }, (_, i) => `edge-${i}`);
    await Promise.all(names.map((name) => t.call('POST', '/api/v1/environments', { body: { name, after: 'development' } })));
    const positions = (await t.call('GET', '/api/v1/environments')).json().items.map((e: { position: number }) => e.position);
    expect(positions).toEqual(positions.map((_: number, i: number) => i + 1));
  });

  it('loses no update when two clients change the same environment with If-Match', async () => {
    const read = await t.call('GET', '/api/v1/environments/production');
    const etag = read.headers.etag as string;
    const attempts = await Promise.all([
      t.call('PATCH', '/api/v1/environments/production', { body: { protected: true }, headers: { 'if-match': etag } }),
      t.call('PATCH', '/api/v1/environments/production', { body: { requiredLabel: 'stable' }, headers: { 'if-match': etag } }),
      t.call('PATCH', '/api/v1/environments/production', { body: { requirePreviousSuccess: true }, headers: { 'if-match': etag } }),
    ]);
    const statuses = attempts.map((a) => a.statusCode).sort();
    expect(statuses).toEqual([200, 412, 412]);
    const loser = attempts.find((a) => a.statusCode === 412)!;
    expect(loser.json().etag).toBe('"2"');
    // The losers read again and retry: every change lands, none is lost.
    const bodies = [{ protected: true }, { requiredLabel: 'stable' }, { requirePreviousSuccess: true }];
    for (const [i, attempt] of attempts.entries()) {
      if (attempt.statusCode !== 412) continue;
      const fresh = await t.call('GET', '/api/v1/environments/production');
      const retry = await t.call('PATCH', '/api/v1/environments/production', { body: bodies[i], headers: { 'if-match': fresh.headers.etag as string } });
      expect(retry.statusCode).toBe(200);
    }
    const now = (await t.call('GET', '/api/v1/environments/production')).json();
    expect(now).toMatchObject({ revision: 4, protected: true, policy: { requiredLabel: 'stable', requirePreviousSuccess: true } });
  });

  it('without If-Match the last write wins, and each write is audited with before and after', async () => {
    await t.call('PATCH', '/api/v1/environments/staging', { body: { protected: true } });
    const events = (await t.call('GET', '/api/v1/audit?resourceType=environment&resourceId=staging&action=environment.updated')).json().items;
    expect(events[0]).toMatchObject({ before: { protected: false }, after: { protected: true }, actor: 'token:first-admin' });
  });

  it('freezes for a window and unfreezes', async () => {
    const until = new Date(Date.now() + 60_000).toISOString();
    const frozen = (await t.call('PUT', '/api/v1/environments/production/freeze', { body: { until, reason: 'Black Friday' } })).json();
    expect(frozen.freeze).toEqual({ until, reason: 'Black Friday' });
    const thawed = (await t.call('DELETE', '/api/v1/environments/production/freeze')).json();
    expect(thawed.freeze).toBeNull();
  });
});
