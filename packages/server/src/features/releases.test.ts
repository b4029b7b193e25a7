import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, type TestApp } from '../test-support/harness.js';

let t: TestApp;
let sdk: string;
beforeAll(async () => {
  t = await testApp();
  for (const name of ['staging', 'production']) await t.call('POST', '/api/v1/environments', { body: { name } });
  await t.call('POST', '/api/v1/environments/production/segments', { body: { key: 'beta-testers', included: ['u-beta'], rules: [{ clauses: [{ attribute: 'plan', operator: 'in', values: ['beta'] }] }] } });
  sdk = await t.token('sdk-server:production');
});
afterAll(() => t.close());

const release = (key: string, body: Record<string, unknown>, env = 'production') => t.call('POST', `/api/v1/features/${key}/environments/${env}/releases`, { body });
const evaluate = async (key: string, context: Record<string, unknown>) =>
  (await t.call('POST', `/ofrep/v1/evaluate/flags/${key}`, { body: { context }, token: sdk })).json();
/** OFREP reads the cached snapshot, which follows commits through LISTEN/NOTIFY within milliseconds. */
async function eventually<T>(read: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const v = await read();
    if (ok(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('features', () => {
  it('are created off everywhere, with boolean variations by default', async () => {
    const res = await t.call('POST', '/api/v1/features', { body: { key: 'new-checkout', description: 'One-page checkout', owner: 'payments' } });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({
      kind: 'release', type: 'boolean', variations: [{ key: 'on', value: true }, { key: 'off', value: false }], onVariation: 0, offVariation: 1,
      environments: { staging: { on: false, audience: 'off', revision: 0 }, production: { on: false, audience: 'off' } },
    });
    expect((await t.call('POST', '/api/v1/features', { body: { key: 'new-checkout' } })).json().code).toBe('feature_exists');
    expect((await evaluate('new-checkout', { targetingKey: 'u1' }))).toMatchObject({ value: false, reason: 'DISABLED', variant: 'off' });
  });

  it('refuses variations of the wrong type, and a typed feature without variations', async () => {
    const wrong = await t.call('POST', '/api/v1/features', { body: { key: 'banner', type: 'string', variations: [{ key: 'a', value: 'x' }, { key: 'b', value: 3 }] } });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().detail).toContain('/variations/1/value');
    expect((await t.call('POST', '/api/v1/features', { body: { key: 'banner', type: 'string' } })).statusCode).toBe(400);
    const ok = await t.call('POST', '/api/v1/features', { body: { key: 'banner', type: 'string', kind: 'experiment', variations: [{ key: 'blue', value: 'blue' }, { key: 'green', value: 'green' }] } });
    expect(ok.statusCode).toBe(201);
  });
});

describe('releases', () => {
  it('turn a feature on and off, each recorded with author, reason and before/after', async () => {
    const on = await release('new-checkout', { action: 'on', reason: 'launch' });
    expect(on.statusCode).toBe(201);
    expect(on.json().release).toMatchObject({ action: 'on', summary: 'turned on', reason: 'launch', author: 'token:first-admin', state: 'applied', before: { on: false }, after: { on: true } });
    expect(on.json().config).toMatchObject({ audience: 'everyone', revision: 1 });
    expect(await eventually(() => evaluate('new-checkout', { targetingKey: 'u1' }), (r) => r.value === true)).toMatchObject({ value: true, reason: 'STATIC' });
    const kill = await release('new-checkout', { action: 'kill', reason: 'errors spiking' });
    expect(kill.json().release.summary).toBe('killed (turned off at once)');
    expect(await eventually(() => evaluate('new-checkout', { targetingKey: 'u1' }), (r) => r.value === false)).toMatchObject({ reason: 'DISABLED' });
    const staging = (await t.call('GET', '/api/v1/features/new-checkout/environments/staging')).json();
    expect(staging.config.on).toBe(false); // environments are independent
  });

  it('roll out by percentage; raising it only adds users', async () => {
    await release('new-checkout', { action: 'percent', percent: 10 });
    const users = Array.from({ length: 400 }, (_, i) => `user-${i}`);
    const at10 = await eventually(async () => Promise.all(users.map((u) => evaluate('new-checkout', { targetingKey: u }))), (rs) => rs.every((r) => r.reason === 'SPLIT'));
    const in10 = new Set(users.filter((_, i) => at10[i].value === true));
    expect(in10.size).toBeGreaterThan(15);
    expect(in10.size).toBeLessThan(70);
    const r = await release('new-checkout', { action: 'percent', percent: 30.5 });
    expect(r.json().config.audience).toBe('30.5 %');
    const at30 = await eventually(async () => Promise.all(users.map((u) => evaluate('new-checkout', { targetingKey: u }))),
      (rs) => rs.filter((x) => x.value === true).length > in10.size);
    for (const u of in10) expect(at30[users.indexOf(u)].value, u).toBe(true);
    expect((await release('new-checkout', { action: 'percent', percent: 0.001 })).json().config.audience).toBe('0.001 %');
    expect((await release('new-checkout', { action: 'percent', percent: 101 })).statusCode).toBe(400);
    expect((await release('new-checkout', { action: 'percent' })).statusCode).toBe(400);
  });

  it('release to a segment: only its members see the feature', async () => {
    await release('banner', { action: 'off' });
    const res = await release('banner', { action: 'segment', segment: 'beta-testers', reason: 'beta' });
    expect(res.json().config).toMatchObject({ audience: 'segments beta-testers' });
    const member = await eventually(() => evaluate('banner', { targetingKey: 'u-beta' }), (r) => r.value === 'blue');
    expect(member).toMatchObject({ value: 'blue', reason: 'TARGETING_MATCH' });
    expect(await evaluate('banner', { targetingKey: 'u-x', plan: 'beta' })).toMatchObject({ value: 'blue' });
    expect(await evaluate('banner', { targetingKey: 'u-x', plan: 'free' })).toMatchObject({ value: 'green', reason: 'DEFAULT' });
    expect((await release('banner', { action: 'segment', segment: 'nobody-here' })).json().code).toBe('segment_not_found');
    const inUse = await t.call('DELETE', '/api/v1/environments/production/segments/beta-testers');
    expect(inUse.json()).toMatchObject({ code: 'segment_in_use', features: ['banner'] });
  });

  it('replaces a whole configuration with If-Match, validated by the engine', async () => {
    const current = await t.call('GET', '/api/v1/features/banner/environments/production');
    const etag = current.headers.etag as string;
    const config = { ...current.json().config, targets: [{ variation: 1, values: ['vip-1'] }] };
    const ok = await t.call('PUT', '/api/v1/features/banner/environments/production', { body: { config, reason: 'vip' }, headers: { 'if-match': etag } });
    expect(ok.statusCode).toBe(200);
    const stale = await t.call('PUT', '/api/v1/features/banner/environments/production', { body: { config }, headers: { 'if-match': etag } });
    expect(stale.statusCode).toBe(412);
    const bad = await t.call('PUT', '/api/v1/features/banner/environments/production', { body: { config: { ...config, fallthrough: { rollout: { variations: [{ variation: 0, weight: 10 }] } } } } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors[0].location).toContain('config/fallthrough');
    const regex = await t.call('PUT', '/api/v1/features/banner/environments/production', {
      body: { config: { ...config, rules: [{ clauses: [{ attribute: 'email', operator: 'matches', values: ['(a+)+$'] }], serve: { variation: 0 } }] } },
    });
    expect(regex.statusCode).toBe(400);
  });

  it('refuses prerequisite cycles at write time', async () => {
    await t.call('POST', '/api/v1/features', { body: { key: 'a' } });
    await t.call('POST', '/api/v1/features', { body: { key: 'b' } });
    const base = { on: true, offVariation: 1, fallthrough: { variation: 0 } };
    expect((await t.call('PUT', '/api/v1/features/a/environments/staging', { body: { config: { ...base, prerequisites: [{ feature: 'b', variation: 0 }] } } })).statusCode).toBe(200);
    const cycle = await t.call('PUT', '/api/v1/features/b/environments/staging', { body: { config: { ...base, prerequisites: [{ feature: 'a', variation: 0 }] } } });
    expect(cycle.statusCode).toBe(409);
    expect(cycle.json()).toMatchObject({ code: 'prerequisite_cycle' });
    expect(cycle.json().detail).toMatch(/b → a → b|a → b → a/);
  });

  it('schedules a release for later, applies it when due, and can cancel one', async () => {
    const at = new Date(Date.now() + 800).toISOString();
    const scheduled = await release('a', { action: 'on', at, reason: 'launch at 9' }, 'production');
    expect(scheduled.json().release).toMatchObject({ state: 'scheduled', scheduledFor: at });
    const later = await release('b', { action: 'on', at: new Date(Date.now() + 3_600_000).toISOString() }, 'production');
    const cancelled = await t.call('DELETE', `/api/v1/releases/${later.json().release.id}`);
    expect(cancelled.json().state).toBe('cancelled');
    expect((await t.call('DELETE', `/api/v1/releases/${later.json().release.id}`)).json().code).toBe('release_not_scheduled');
    const applied = await eventually(() => t.call('GET', `/api/v1/releases/${scheduled.json().release.id}`).then((r) => r.json()), (r) => r.state !== 'scheduled');
    expect(applied).toMatchObject({ state: 'applied', after: { on: true }, author: 'token:first-admin' });
    expect((await t.call('GET', '/api/v1/features/a/environments/production')).json().config.on).toBe(true);
    expect((await release('a', { action: 'on', at: '2001-01-01T00:00:00Z' })).statusCode).toBe(400);
  });

  it('keeps a history per feature and environment, and an audit trail', async () => {
    const history = (await t.call('GET', '/api/v1/releases?feature=new-checkout&environment=production')).json().items;
    expect(history.map((r: { action: string }) => r.action)).toEqual(['percent', 'percent', 'percent', 'kill', 'on']);
    const audit = (await t.call('GET', '/api/v1/audit?resourceType=feature&resourceId=new-checkout@production&action=feature.killed')).json().items;
    expect(audit).toHaveLength(1);
  });
});
