import { OFREPProvider } from '@openfeature/ofrep-provider';
import { OpenFeature } from '@openfeature/server-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, type TestApp } from '../test-support/harness.js';

/** `--ofrep-rate-limit`: 429 with Retry-After per SDK token and client address, as OFREP asks. */
let t: TestApp;
let base: string;
const limit = 4;

beforeAll(async () => {
  t = await testApp({ ofrepRateLimit: limit });
  await t.call('POST', '/api/v1/environments', { body: { name: 'production' } });
  await t.call('POST', '/api/v1/features', { body: { key: 'new-checkout' } });
  await t.call('POST', '/api/v1/features/new-checkout/environments/production/releases', { body: { action: 'on' } });
  base = await t.app.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  await OpenFeature.close();
  await t.close();
});

const evaluate = (token: string, path = '/ofrep/v1/evaluate/flags/new-checkout') =>
  fetch(base + path, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', origin: 'https://app.example.com' }, body: JSON.stringify({ context: { targetingKey: 'u1' } }) });

describe('the OFREP rate limit', () => {
  it('answers 429 with Retry-After past the limit, per token, and lets the token through again after the window', async () => {
    const a = await t.token('sdk-client:production');
    const b = await t.token('sdk-client:production');
    // All at once, so that they fall in one window however slow the machine is.
    const answers = await Promise.all(Array.from({ length: limit + 1 }, () => evaluate(a)));
    expect(answers.map((r) => r.status).sort()).toEqual([...Array(limit).fill(200), 429]);
    const refused = answers.find((r) => r.status === 429)!;
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(1);
    // A browser on another origin must be able to read it.
    expect(refused.headers.get('access-control-expose-headers')?.toLowerCase()).toContain('retry-after');
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await refused.json()).toMatchObject({ status: 429, code: 'rate_limited', limit, retryAfterSeconds: retryAfter });
    // The bulk endpoint is limited too.
    expect((await evaluate(a, '/ofrep/v1/evaluate/flags')).status).toBe(429);

    // Another token (another app, or the same app's other key) is not held back by this one.
    expect((await evaluate(b)).status).toBe(200);

    await new Promise((r) => setTimeout(r, retryAfter * 1000 + 100));
    expect((await evaluate(a)).status).toBe(200);
  });

  it('a request without a valid token is still 401, never counted as rate limited', async () => {
    const r = await evaluate('gnt_not_a_token_at_all_000000000000');
    expect(r.status).toBe(401);
  });

  it("OpenFeature's OFREP provider, refused, serves the default and holds back until Retry-After", async () => {
    const token = await t.token('sdk-client:production');
    await OpenFeature.setProviderAndWait('limited', new OFREPProvider({ baseUrl: base, headers: { Authorization: `Bearer ${token}` } }));
    const client = OpenFeature.getClient('limited');
    const details = [];
    for (let i = 0; i < limit + 2; i++) details.push(await client.getBooleanDetails('new-checkout', false, { targetingKey: `u${i}` }));
    expect(details.slice(0, limit).map((d) => d.value)).toEqual(Array(limit).fill(true));
    const [refused, held] = details.slice(limit);
    expect(refused).toMatchObject({ value: false, reason: 'ERROR' });
    expect(refused!.errorMessage).toMatch(/rate limit/i);
    // The provider does not ask again before the time the server gave.
    expect(held).toMatchObject({ value: false, reason: 'ERROR' });
    expect(held!.errorMessage).toMatch(/TooManyRequests/);
    await new Promise((r) => setTimeout(r, 1200));
    expect(await client.getBooleanValue('new-checkout', false, { targetingKey: 'later' })).toBe(true);
  });
});
