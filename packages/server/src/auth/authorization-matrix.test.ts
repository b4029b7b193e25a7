import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedWorld, testApp, type TestApp } from '../test-support/harness.js';

/**
 * Every route × every kind of credential. A route added without a row here fails the first test,
 * so the matrix cannot silently fall behind the API.
 */
/** `ticket`: opened only with the signed ticket a bulk evaluation gives; no bearer token opens it. */
const expected: Record<string, 'public' | 'read' | 'deploy' | 'release' | 'admin' | 'sdk-server' | 'sdk-client' | 'ticket'> = {
  'GET /healthz': 'public',
  'GET /api/openapi.json': 'public',
  'GET /metrics': 'read',
  'POST /api/v1/tokens': 'admin',
  'GET /api/v1/tokens': 'admin',
  'DELETE /api/v1/tokens/{id}': 'admin',
  'GET /api/v1/whoami': 'read',
  'GET /api/v1/audit': 'read',
  'POST /api/v1/services': 'admin',
  'GET /api/v1/services': 'read',
  'GET /api/v1/services/{name}': 'read',
  'PATCH /api/v1/services/{name}': 'admin',
  'POST /api/v1/environments': 'admin',
  'GET /api/v1/environments': 'read',
  'GET /api/v1/environments/{name}': 'read',
  'PATCH /api/v1/environments/{name}': 'admin',
  'PUT /api/v1/environments/{name}/freeze': 'admin',
  'DELETE /api/v1/environments/{name}/freeze': 'admin',
  'POST /api/v1/services/{service}/artifacts': 'deploy',
  'GET /api/v1/services/{service}/artifacts': 'read',
  'GET /api/v1/services/{service}/artifacts/{version}': 'read',
  'PUT /api/v1/services/{service}/artifacts/{version}/labels/{label}': 'deploy',
  'DELETE /api/v1/services/{service}/artifacts/{version}/labels/{label}': 'deploy',
  'GET /api/v1/builds/{id}': 'read',
  'GET /api/v1/services/{service}/notes': 'read',
  'POST /api/v1/deployments': 'deploy',
  'GET /api/v1/deployments': 'read',
  'GET /api/v1/deployments/{id}': 'read',
  'POST /api/v1/deployments/{id}/report': 'deploy',
  'POST /api/v1/deployments/{id}/approve': 'admin',
  'POST /api/v1/deployments/{id}/reject': 'admin',
  'POST /api/v1/deployments/{id}/logs': 'deploy',
  'GET /api/v1/deployments/{id}/logs': 'read',
  'POST /api/v1/rollbacks': 'deploy',
  'GET /api/v1/matrix': 'read',
  'POST /api/v1/features': 'release',
  'GET /api/v1/features': 'read',
  'GET /api/v1/features/{key}': 'read',
  'PATCH /api/v1/features/{key}': 'release',
  'GET /api/v1/features/{key}/environments/{environment}': 'read',
  'PUT /api/v1/features/{key}/environments/{environment}': 'release',
  'POST /api/v1/features/{key}/environments/{environment}/releases': 'release',
  'POST /api/v1/environments/{environment}/segments': 'release',
  'GET /api/v1/environments/{environment}/segments': 'read',
  'GET /api/v1/environments/{environment}/segments/{key}': 'read',
  'PUT /api/v1/environments/{environment}/segments/{key}': 'release',
  'DELETE /api/v1/environments/{environment}/segments/{key}': 'release',
  'GET /api/v1/releases': 'read',
  'GET /api/v1/releases/{id}': 'read',
  'DELETE /api/v1/releases/{id}': 'release',
  'GET /api/v1/sdk/snapshot': 'sdk-server',
  'GET /api/v1/sdk/stream': 'sdk-server',
  'GET /api/v1/sdk/changes': 'sdk-client',
  'POST /api/v1/sdk/events': 'sdk-client',
  'POST /api/v1/deployments/{id}/promote': 'deploy',
  'POST /api/v1/deployments/{id}/abort': 'deploy',
  'PUT /api/v1/services/{service}/run-spec': 'admin',
  'GET /api/v1/services/{service}/run-spec': 'read',
  'POST /api/v1/agents': 'agent',
  'GET /api/v1/agents': 'read',
  'GET /api/v1/agents/{id}/desired': 'agent',
  'POST /api/v1/agents/{id}/status': 'agent',
  'POST /api/v1/agents/{id}/logs': 'agent',
  'POST /ofrep/v1/evaluate/flags/{key}': 'sdk-client',
  'POST /ofrep/v1/evaluate/flags': 'sdk-client',
  'GET /ofrep/v1/configuration': 'sdk-client',
  'GET /ofrep/v1/events': 'ticket',
  'GET /api/v1/features/{key}/environments/{environment}/evaluations': 'read',
};

const grants: Record<string, string[]> = {
  admin: ['read', 'deploy', 'release', 'admin'], ci: ['read', 'deploy'], read: ['read'],
  'sdk-server': ['sdk-server', 'sdk-client'], 'sdk-client': ['sdk-client'], agent: ['agent'],
};

let t: TestApp;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  t = await testApp();
  await seedWorld(t);
  for (const scope of ['admin', 'ci', 'read']) tokens[scope] = await t.token(scope);
  tokens['sdk-server'] = await t.token('sdk-server:staging');
  tokens['sdk-client'] = await t.token('sdk-client:staging');
  tokens.agent = await t.token('agent:staging');
  tokens.revoked = await t.token('admin', 'soon-revoked');
  const list = (await t.call('GET', '/api/v1/tokens')).json().items as { id: string; name: string }[];
  await t.call('DELETE', `/api/v1/tokens/${list.find((x) => x.name === 'soon-revoked')!.id}`);
  const expiring = await t.call('POST', '/api/v1/tokens', { body: { name: 'short-lived', scope: 'admin', expiresAt: new Date(Date.now() + 1500).toISOString() } });
  tokens.expired = expiring.json().secret;
  await new Promise((r) => setTimeout(r, 1600));
});
afterAll(() => t.close());

function documentedRoutes(): string[] {
  const doc = t.app.swagger() as { paths: Record<string, Record<string, unknown>> };
  const routes = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
  return [...routes, 'GET /healthz', 'GET /api/openapi.json', 'GET /metrics'];
}

const sample = (path: string) => path
  .replace('{id}', path.startsWith('/api/v1/tokens') || path.startsWith('/api/v1/agents') ? randomUUID() : path.startsWith('/api/v1/builds') ? 'b-1.4.0' : '1')
  .replace(/\{(name|service)\}/, path.includes('environments') ? 'staging' : 'checkout-api')
  .replace('{environment}', 'staging').replace('{key}', path.includes('segments') ? 'beta' : 'dark-mode')
  .replace('{version}', '1.4.0').replace('{label}', 'candidate');

describe('authorization matrix', () => {
  it('covers every route of the API', () => {
    expect(documentedRoutes().sort()).toEqual(Object.keys(expected).sort());
  });

  const credentials = ['none', 'malformed', 'unknown', 'revoked', 'expired', 'read', 'ci', 'admin', 'sdk-server', 'sdk-client', 'agent'] as const;
  for (const [route, permission] of Object.entries(expected)) {
    it(`${route} needs ${permission}`, async () => {
      const [method, path] = route.split(' ') as ['GET', string];
      for (const credential of credentials) {
        const headers: Record<string, string> = {};
        if (credential === 'malformed') headers.authorization = 'Basic Zm9vOmJhcg==';
        if (credential === 'unknown') headers.authorization = 'Bearer gnt_unknown_token_value_0000000000';
        if (!['none', 'malformed', 'unknown'].includes(credential)) headers.authorization = `Bearer ${tokens[credential]}`;
        // An open stream never ends: allowed credentials on it are covered by streaming.test.ts.
        if ((route === 'GET /api/v1/sdk/stream' || route === 'GET /api/v1/sdk/changes') && grants[credential]?.includes(permission)) continue;
        const res = await t.app.inject({ method, url: sample(path), headers, ...(method === 'GET' || method === 'DELETE' ? {} : { payload: {} }) });
        const label = `${route} with ${credential}`;
        if (permission === 'ticket') {
          expect(res.statusCode, label).toBe(401);
          expect(res.json().code, label).toBe('unauthorized');
        } else if (permission === 'public') {
          expect(res.statusCode, label).toBeLessThan(400);
        } else if (['none', 'malformed', 'unknown', 'revoked', 'expired'].includes(credential)) {
          expect(res.statusCode, label).toBe(401);
          expect(res.headers['content-type'], label).toContain('application/problem+json');
          expect(res.json().code, label).toBe('unauthorized');
        } else if (grants[credential]!.includes(permission)) {
          expect([401, 403], `${label}: ${res.body}`).not.toContain(res.statusCode);
        } else {
          expect(res.statusCode, label).toBe(403);
          expect(res.json().code, label).toBe('forbidden');
        }
      }
    });
  }
});
