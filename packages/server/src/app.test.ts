import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, type TestApp } from './test-support/harness.js';

let t: TestApp;
beforeAll(async () => { t = await testApp(); });
afterAll(() => t.close());

describe('the HTTP surface', () => {
  it('publishes an OpenAPI 3.1 document generated from the route schemas', async () => {
    const res = await t.call('GET', '/api/openapi.json', { token: null });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toBe('3.1.0');
    const operations = Object.entries(doc.paths as Record<string, Record<string, { summary?: string; tags?: string[]; responses: Record<string, unknown> }>>)
      .flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ route: `${method} ${path}`, op })));
    expect(operations.length).toBeGreaterThan(30);
    for (const { route, op } of operations) {
      expect(op.summary, route).toBeTruthy();
      expect(op.tags?.length, route).toBe(1);
      expect(Object.keys(op.responses), route).toContain('401');
    }
    const register = doc.paths['/api/v1/services/{service}/artifacts'].post;
    expect(register.requestBody.content['application/json'].schema.required).toEqual(['version', 'digest']);
  });

  it('serves the browsable API docs without a token', async () => {
    const res = await t.call('GET', '/api/docs/', { token: null });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/html');
  });

  it('answers /healthz without a token and tags every response with a request id', async () => {
    const res = await t.call('GET', '/healthz', { token: null });
    expect(res.json()).toEqual({ status: 'ok' });
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const echoed = await t.call('GET', '/healthz', { token: null, headers: { 'x-request-id': 'ci-run-77' } });
    expect(echoed.headers['x-request-id']).toBe('ci-run-77');
  });

  it('shows a token secret once and never lists it', async () => {
    const created = (await t.call('POST', '/api/v1/tokens', { body: { name: 'deploy bot', scope: 'ci' } })).json();
    expect(created.secret).toMatch(/^gnt_[A-Za-z0-9_-]{43}$/);
    const listed = (await t.call('GET', '/api/v1/tokens')).body;
    expect(listed).not.toContain(created.secret);
    expect(listed).toContain(created.secret.slice(0, 8));
    const stored = await t.db.query<{ hash: Buffer }>('SELECT hash FROM tokens WHERE id = $1', [created.token.id]);
    expect(stored.rows[0]!.hash.toString('utf8')).not.toContain(created.secret);
    const whoami = (await t.call('GET', '/api/v1/whoami', { token: created.secret })).json();
    expect(whoami).toMatchObject({ name: 'deploy bot', scope: 'ci' });
    await t.call('DELETE', `/api/v1/tokens/${created.token.id}`);
    expect((await t.call('GET', '/api/v1/whoami', { token: created.secret })).statusCode).toBe(401);
  });
});
