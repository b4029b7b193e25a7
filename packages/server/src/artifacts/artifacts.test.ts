import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { digest, testApp, type TestApp } from '../test-support/harness.js';

let t: TestApp;
let ci: string;
beforeAll(async () => {
  t = await testApp();
  ci = await t.token('ci', 'pipeline');
  await t.call('POST', '/api/v1/services', { body: { name: 'checkout-api' } });
  await t.call('POST', '/api/v1/services', { body: { name: 'web' } });
  await t.call('POST', '/api/v1/services', { body: { name: 'worker' } });
});
afterAll(() => t.close());

const register = (service: string, body: Record<string, unknown>) => t.call('POST', `/api/v1/services/${service}/artifacts`, { body, token: ci });

describe('artifacts', () => {
  it('registers with provenance; the same digest again is idempotent, another digest is a conflict', async () => {
    const body = {
      version: '1.4.2', digest: digest('a'), commit: '9f2c1e7', repository: 'https://git.example.com/shop/checkout',
      buildId: 'ci-981', buildUrl: 'https://ci.example.com/runs/981', changes: ['Fix rounding in totals', 'Faster cart'], metadata: { arch: 'amd64' },
    };
    const first = await register('checkout-api', body);
    expect(first.statusCode).toBe(201);
    expect(first.json()).toMatchObject({
      version: '1.4.2', createdBy: 'token:pipeline', changes: ['Fix rounding in totals', 'Faster cart'], metadata: { arch: 'amd64' },
      provenance: { commit: '9f2c1e7', buildId: 'ci-981', buildUrl: 'https://ci.example.com/runs/981', repository: 'https://git.example.com/shop/checkout' },
    });
    const again = await register('checkout-api', body);
    expect(again.statusCode).toBe(200);
    expect(again.json().id).toBe(first.json().id);
    const conflict = await register('checkout-api', { ...body, digest: digest('b') });
    expect(conflict.statusCode).toBe(409);
    expect(conflict.json()).toMatchObject({ code: 'artifact_digest_conflict', existingDigest: digest('a') });
    const events = (await t.call('GET', '/api/v1/audit?resourceType=artifact&resourceId=checkout-api@1.4.2')).json().items;
    expect(events).toHaveLength(1);
  });

  it('groups the artifacts of one build across services', async () => {
    await register('web', { version: '2026.11.22-1', digest: digest('w'), buildId: 'ci-981', commit: '9f2c1e7' });
    const build = (await t.call('GET', '/api/v1/builds/ci-981', { token: ci })).json();
    expect(build.url).toBe('https://ci.example.com/runs/981');
    expect(build.artifacts.map((a: { service: string; version: string }) => `${a.service}@${a.version}`)).toEqual(['checkout-api@1.4.2', 'web@2026.11.22-1']);
  });

  it('sorts semver versions as semver, and other versions by registration', async () => {
    for (const v of ['1.10.0', '1.9.0', '1.4.10', '1.4.3', '2.0.0-rc.1', '2.0.0-beta.2']) await register('checkout-api', { version: v, digest: digest(v) });
    const list = (await t.call('GET', '/api/v1/services/checkout-api/artifacts?limit=100')).json().items.map((a: { version: string }) => a.version);
    expect(list).toEqual(['2.0.0-rc.1', '2.0.0-beta.2', '1.10.0', '1.9.0', '1.4.10', '1.4.3', '1.4.2']);
    for (const v of ['a1b2c3d', '17', '0ffee00']) await register('worker', { version: v, digest: digest(v) });
    const hashes = (await t.call('GET', '/api/v1/services/worker/artifacts')).json().items.map((a: { version: string }) => a.version);
    expect(hashes).toEqual(['0ffee00', '17', 'a1b2c3d']);
  });

  it('pages artifact lists', async () => {
    const page1 = (await t.call('GET', '/api/v1/services/checkout-api/artifacts?limit=4')).json();
    const page2 = (await t.call('GET', `/api/v1/services/checkout-api/artifacts?limit=4&cursor=${page1.nextCursor}`)).json();
    expect(page1.items).toHaveLength(4);
    expect(page2.items.map((a: { version: string }) => a.version)).toEqual(['1.4.10', '1.4.3', '1.4.2']);
    expect(page2.nextCursor).toBeNull();
  });

  it('labels mark promotion and can be filtered on', async () => {
    const labelled = await t.call('PUT', '/api/v1/services/checkout-api/artifacts/1.4.3/labels/candidate', { token: ci });
    expect(labelled.json().labels).toEqual([expect.objectContaining({ label: 'candidate', by: 'token:pipeline' })]);
    await t.call('PUT', '/api/v1/services/checkout-api/artifacts/1.4.3/labels/candidate', { token: ci });
    await t.call('PUT', '/api/v1/services/checkout-api/artifacts/1.4.3/labels/stable', { token: ci });
    const stable = (await t.call('GET', '/api/v1/services/checkout-api/artifacts?label=stable')).json().items;
    expect(stable.map((a: { version: string }) => a.version)).toEqual(['1.4.3']);
    const removed = await t.call('DELETE', '/api/v1/services/checkout-api/artifacts/1.4.3/labels/candidate', { token: ci });
    expect(removed.json().labels.map((l: { label: string }) => l.label)).toEqual(['stable']);
    const events = (await t.call('GET', '/api/v1/audit?resourceId=checkout-api@1.4.3&action=artifact.labelled')).json().items;
    expect(events).toHaveLength(2); // the repeated label changed nothing and recorded nothing
  });

  it('writes release notes between two versions, from exclusive to inclusive', async () => {
    await register('web', { version: '1.0.0', digest: digest('w1'), changes: ['Initial'] });
    await register('web', { version: '1.1.0', digest: digest('w2'), changes: ['Dark mode', 'Search'], commit: 'abc123' });
    await register('web', { version: '1.2.0', digest: digest('w3'), changes: ['Checkout redesign'] });
    const notes = (await t.call('GET', '/api/v1/services/web/notes?from=1.0.0&to=1.2.0')).json();
    expect(notes.versions.map((v: { version: string }) => v.version)).toEqual(['1.2.0', '1.1.0']);
    expect(notes.markdown).toContain('## 1.1.0 (abc123)');
    expect(notes.markdown).toContain('- Dark mode\n- Search');
    expect(notes.markdown).not.toContain('Initial');
    const md = await t.call('GET', '/api/v1/services/web/notes?from=1.1.0&format=markdown');
    expect(md.headers['content-type']).toContain('text/markdown');
    expect(md.body).toMatch(/^# web: 1.1.0 → /);
  });
});
