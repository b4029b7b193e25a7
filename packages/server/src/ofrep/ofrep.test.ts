import { OFREPProvider } from '@openfeature/ofrep-provider';
import { OpenFeature } from '@openfeature/server-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, type TestApp } from '../test-support/harness.js';

/** OpenFeature's own OFREP provider, from npm, as an independent client of Gantry. */
let t: TestApp;
let base: string;
let token: string;

beforeAll(async () => {
  t = await testApp();
  await t.call('POST', '/api/v1/environments', { body: { name: 'production' } });
  await t.call('POST', '/api/v1/features', { body: { key: 'new-checkout' } });
  await t.call('POST', '/api/v1/features', { body: { key: 'banner-color', type: 'string', variations: [{ key: 'blue', value: 'blue' }, { key: 'green', value: 'green' }] } });
  await t.call('POST', '/api/v1/features', { body: { key: 'max-items', type: 'number', variations: [{ key: 'few', value: 5 }, { key: 'many', value: 50 }] } });
  await t.call('POST', '/api/v1/features', { body: { key: 'layout', type: 'json', variations: [{ key: 'grid', value: { columns: 3 } }, { key: 'list', value: { columns: 1 } }] } });
  await t.call('PUT', '/api/v1/features/new-checkout/environments/production', {
    body: { config: { on: true, offVariation: 1, rules: [{ clauses: [{ attribute: 'plan', operator: 'in', values: ['premium'] }], serve: { variation: 0 } }], fallthrough: { variation: 1 } } },
  });
  for (const key of ['banner-color', 'max-items', 'layout']) await t.call('POST', `/api/v1/features/${key}/environments/production/releases`, { body: { action: 'on' } });
  token = await t.token('sdk-client:production');
  base = await t.app.listen({ host: '127.0.0.1', port: 0 });
  await OpenFeature.setProviderAndWait(new OFREPProvider({ baseUrl: base, headers: { Authorization: `Bearer ${token}` } }));
});
afterAll(async () => {
  await OpenFeature.close();
  await t.close();
});

describe('OpenFeature OFREP provider against Gantry', () => {
  it('evaluates booleans with targeting, reasons and variants', async () => {
    const client = OpenFeature.getClient();
    const premium = await client.getBooleanDetails('new-checkout', false, { targetingKey: 'u1', plan: 'premium' });
    expect(premium).toMatchObject({ value: true, variant: 'on', reason: 'TARGETING_MATCH' });
    const free = await client.getBooleanDetails('new-checkout', true, { targetingKey: 'u2', plan: 'free' });
    expect(free).toMatchObject({ value: false, variant: 'off', reason: 'DEFAULT' });
  });

  it('evaluates strings, numbers and objects', async () => {
    const client = OpenFeature.getClient();
    expect(await client.getStringValue('banner-color', 'red', { targetingKey: 'u1' })).toBe('blue');
    expect(await client.getNumberValue('max-items', 0, { targetingKey: 'u1' })).toBe(5);
    expect(await client.getObjectValue('layout', {}, { targetingKey: 'u1' })).toEqual({ columns: 3 });
  });

  it('gives the default with an error code for unknown flags and wrong types', async () => {
    const client = OpenFeature.getClient();
    const missing = await client.getBooleanDetails('no-such-flag', true, { targetingKey: 'u1' });
    expect(missing).toMatchObject({ value: true, reason: 'ERROR', errorCode: 'FLAG_NOT_FOUND' });
    const wrongType = await client.getNumberDetails('banner-color', 7, { targetingKey: 'u1' });
    expect(wrongType).toMatchObject({ value: 7, reason: 'ERROR', errorCode: 'TYPE_MISMATCH' });
  });
});

describe('OFREP over plain HTTP', () => {
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...headers }, body: JSON.stringify(body) });

  it('bulk evaluation carries an ETag and answers 304 until the snapshot or the context changes', async () => {
    const first = await post('/ofrep/v1/evaluate/flags', { context: { targetingKey: 'u1', plan: 'premium' } });
    expect(first.status).toBe(200);
    const etag = first.headers.get('etag')!;
    const { flags } = await first.json() as { flags: { key: string; value: unknown }[] };
    expect(flags.map((f) => f.key).sort()).toEqual(['banner-color', 'layout', 'max-items', 'new-checkout']);
    expect(flags.find((f) => f.key === 'new-checkout')!.value).toBe(true);
    expect((await post('/ofrep/v1/evaluate/flags', { context: { targetingKey: 'u1', plan: 'premium' } }, { 'if-none-match': etag })).status).toBe(304);
    expect((await post('/ofrep/v1/evaluate/flags', { context: { targetingKey: 'u2' } }, { 'if-none-match': etag })).status).toBe(200);
    // A change that does not alter what this context sees keeps the ETag: still a 304.
    const change = await t.call('PUT', '/api/v1/features/banner-color/environments/production', { body: { config: { on: true, offVariation: 0, fallthrough: { variation: 0 } } } });
    expect(change.statusCode).toBe(200);
    await new Promise((r) => setTimeout(r, 200)); // let the new snapshot revision reach the cache
    const same = await post('/ofrep/v1/evaluate/flags', { context: { targetingKey: 'u1', plan: 'premium' } }, { 'if-none-match': etag });
    expect(same.status).toBe(304);
    await t.call('POST', '/api/v1/features/new-checkout/environments/production/releases', { body: { action: 'kill' } });
    let status = 304;
    for (let i = 0; i < 100 && status === 304; i++) {
      status = (await post('/ofrep/v1/evaluate/flags', { context: { targetingKey: 'u1', plan: 'premium' } }, { 'if-none-match': etag })).status;
      if (status === 304) await new Promise((r) => setTimeout(r, 20));
    }
    expect(status).toBe(200);
  });

  it('answers in the protocol\'s error format', async () => {
    const missing = await post('/ofrep/v1/evaluate/flags/nope', { context: {} });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ key: 'nope', errorCode: 'FLAG_NOT_FOUND' });
    const badContext = await post('/ofrep/v1/evaluate/flags/new-checkout', { context: 'not an object' });
    expect(badContext.status).toBe(400);
    expect(await badContext.json()).toMatchObject({ errorCode: 'INVALID_CONTEXT' });
    const badBulk = await post('/ofrep/v1/evaluate/flags', { context: [1, 2] });
    expect(badBulk.status).toBe(400);
    expect(await badBulk.json()).toMatchObject({ errorCode: 'INVALID_CONTEXT' });
  });

  it('lets browsers call it from another origin (CORS), and only it', async () => {
    const preflight = await fetch(`${base}/ofrep/v1/evaluate/flags`, {
      method: 'OPTIONS', headers: { origin: 'https://app.example.com', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
    expect(preflight.headers.get('access-control-allow-headers')).toContain('authorization');
    const bulk = await post('/ofrep/v1/evaluate/flags', { context: {} }, { origin: 'https://app.example.com' });
    expect(bulk.headers.get('access-control-expose-headers')).toContain('etag');
    const admin = await fetch(`${base}/api/v1/services`, { headers: { origin: 'https://app.example.com', authorization: `Bearer ${t.adminToken}` } });
    expect(admin.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('authenticates with a bearer token or X-API-Key, for the token\'s environment only', async () => {
    expect((await post('/ofrep/v1/evaluate/flags/new-checkout', { context: {} }, { authorization: '' })).status).toBe(401);
    const apiKey = await fetch(`${base}/ofrep/v1/evaluate/flags/new-checkout`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': token }, body: '{"context":{}}' });
    expect(apiKey.status).toBe(200);
    expect((await post('/ofrep/v1/evaluate/flags/new-checkout', { context: {} }, { authorization: `Bearer ${t.adminToken}` })).status).toBe(403);
    const config = await fetch(`${base}/ofrep/v1/configuration`, { headers: { authorization: `Bearer ${token}` } });
    expect(await config.json()).toMatchObject({ name: 'gantry' });
  });
});
