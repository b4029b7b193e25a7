import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedWorld, testApp, type TestApp } from '../test-support/harness.js';

let t: TestApp;
beforeAll(async () => {
  t = await testApp();
  await seedWorld(t);
});
afterAll(() => t.close());

const base = { port: 8080, artifact: { url: 'https://artifacts.example.com/{service}/{version}.tgz' }, command: ['node', 'app.mjs'] };
const put = (spec: unknown) => t.call('PUT', '/api/v1/services/web/run-spec', { body: spec });

describe('run spec: rolling settings', () => {
  it('stores maxSurge and maxUnavailable as given, each a new revision', async () => {
    const inPlace = await put({ ...base, rolling: { maxSurge: 0, maxUnavailable: 1 } });
    expect(inPlace.statusCode, inPlace.body).toBe(200);
    expect(inPlace.json()).toMatchObject({ revision: 1, spec: { rolling: { maxSurge: 0, maxUnavailable: 1 } } });
    const mixed = await put({ ...base, rolling: { maxSurge: 2, maxUnavailable: 3 } });
    expect(mixed.json()).toMatchObject({ revision: 2, spec: { rolling: { maxSurge: 2, maxUnavailable: 3 } } });
    // Defaults (maxSurge 1, maxUnavailable 0) are applied when planning, not written into the spec.
    expect((await put({ ...base, rolling: {} })).json()).toMatchObject({ revision: 3, spec: { rolling: {} } });
  });

  it('refuses values it cannot run with a 400 problem naming the field, and keeps the current revision', async () => {
    const before = (await t.call('GET', '/api/v1/services/web/run-spec')).json();
    const bad: [unknown, RegExp][] = [
      [{ maxSurge: 0, maxUnavailable: 0 }, /rolling\.maxSurge and rolling\.maxUnavailable must not both be 0/],
      [{ maxSurge: 0 }, /must not both be 0/],
      [{ maxSurge: -1 }, /rolling\/maxSurge: must be >= 0/],
      [{ maxUnavailable: 2.5 }, /rolling\/maxUnavailable: must be integer/],
      [{ maxUnavailable: 1001 }, /rolling\/maxUnavailable: must be <= 1000/],
      [{ maxSurge: '25%' }, /rolling\/maxSurge: must be integer/],
    ];
    for (const [rolling, detail] of bad) {
      const res = await put({ ...base, rolling });
      expect(res.statusCode, JSON.stringify(rolling)).toBe(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.json()).toMatchObject({ status: 400, code: 'validation_failed', detail: expect.stringMatching(detail) });
    }
    const after = await t.call('GET', '/api/v1/services/web/run-spec');
    expect(after.json()).toEqual(before);
    const stored = await t.db.query<{ n: number }>("SELECT count(*)::int AS n FROM run_specs WHERE service = 'web'");
    expect(stored.rows[0]!.n).toBe(before.revision);
  });
});
