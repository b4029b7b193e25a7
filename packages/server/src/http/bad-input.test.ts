import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { digest, seedWorld, testApp, type TestApp } from '../test-support/harness.js';

let t: TestApp;
beforeAll(async () => {
  t = await testApp();
  await seedWorld(t);
});
afterAll(() => t.close());

/** A fingerprint of everything stored: bad input must leave it as it was. */
async function fingerprint(): Promise<string> {
  const tables = ['audit_events', 'services', 'environments', 'builds', 'artifacts', 'artifact_labels', 'deployments', 'deployment_logs', 'tokens', 'run_specs', 'placements', 'features', 'segments', 'releases'];
  const counts = await Promise.all(tables.map(async (name) => `${name}=${(await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${name}`)).rows[0]!.n}`));
  const revisions = (await t.db.query<{ r: string }>("SELECT string_agg(name || ':' || revision, ',' ORDER BY name) AS r FROM environments")).rows[0]!.r;
  return `${counts.join(' ')} ${revisions}`;
}

interface Case {
  name: string;
  method: 'POST' | 'PUT' | 'PATCH' | 'GET' | 'DELETE';
  path: string;
  body?: unknown;
  raw?: string;
  contentType?: string;
  status: number;
  code: string;
  detail?: RegExp;
}

const huge = 'x'.repeat(1024 * 1024 + 10);
const good = { version: '9.9.9', digest: digest('9.9.9') };

const cases: Case[] = [
  // tokens
  { name: 'token: missing scope', method: 'POST', path: '/api/v1/tokens', body: { name: 'x' }, status: 400, code: 'validation_failed', detail: /missing required field "scope"/ },
  { name: 'token: unknown scope', method: 'POST', path: '/api/v1/tokens', body: { name: 'x', scope: 'root' }, status: 400, code: 'validation_failed' },
  { name: 'token: expiry in the past', method: 'POST', path: '/api/v1/tokens', body: { name: 'x', scope: 'read', expiresAt: '2001-01-01T00:00:00Z' }, status: 400, code: 'validation_failed', detail: /future/ },
  { name: 'token: revoke a non-uuid', method: 'DELETE', path: '/api/v1/tokens/12', status: 400, code: 'validation_failed' },
  { name: 'token: revoke unknown', method: 'DELETE', path: '/api/v1/tokens/3f1d1f4e-8f5a-4c47-9d7e-4a3b1c2d5e6f', status: 404, code: 'token_not_found' },
  // services
  { name: 'service: upper-case name', method: 'POST', path: '/api/v1/services', body: { name: 'Checkout' }, status: 400, code: 'validation_failed' },
  { name: 'service: extra field', method: 'POST', path: '/api/v1/services', body: { name: 'ok', owner: 'me' }, status: 400, code: 'validation_failed', detail: /unknown field "owner"/ },
  { name: 'service: mistyped description', method: 'POST', path: '/api/v1/services', body: { name: 'ok', description: 5 }, status: 400, code: 'validation_failed' },
  { name: 'service: duplicate', method: 'POST', path: '/api/v1/services', body: { name: 'web' }, status: 409, code: 'service_exists' },
  { name: 'service: not JSON', method: 'POST', path: '/api/v1/services', raw: '{"name": ', status: 400, code: 'invalid_json' },
  { name: 'service: form body', method: 'POST', path: '/api/v1/services', raw: 'name=web', contentType: 'application/x-www-form-urlencoded', status: 415, code: 'unsupported_media_type' },
  { name: 'service: oversized body', method: 'POST', path: '/api/v1/services', raw: JSON.stringify({ name: 'big', description: huge }), status: 413, code: 'body_too_large' },
  { name: 'service: unknown', method: 'PATCH', path: '/api/v1/services/nope', body: { description: 'd' }, status: 404, code: 'service_not_found' },
  // environments
  { name: 'environment: after unknown', method: 'POST', path: '/api/v1/environments', body: { name: 'qa', after: 'nowhere' }, status: 404, code: 'environment_not_found' },
  { name: 'environment: mistyped protected', method: 'POST', path: '/api/v1/environments', body: { name: 'qa', protected: 'yes' }, status: 400, code: 'validation_failed' },
  { name: 'environment: empty patch', method: 'PATCH', path: '/api/v1/environments/staging', body: {}, status: 400, code: 'validation_failed' },
  { name: 'environment: freeze in the past', method: 'PUT', path: '/api/v1/environments/staging/freeze', body: { until: '2020-01-01T00:00:00Z', reason: 'x' }, status: 400, code: 'validation_failed' },
  { name: 'environment: freeze without reason', method: 'PUT', path: '/api/v1/environments/staging/freeze', body: { until: '2099-01-01T00:00:00Z' }, status: 400, code: 'validation_failed' },
  { name: 'environment: freeze bad date', method: 'PUT', path: '/api/v1/environments/staging/freeze', body: { until: 'tomorrow', reason: 'x' }, status: 400, code: 'validation_failed' },
  // artifacts
  { name: 'artifact: unknown service', method: 'POST', path: '/api/v1/services/nope/artifacts', body: good, status: 404, code: 'service_not_found' },
  { name: 'artifact: bad version', method: 'POST', path: '/api/v1/services/web/artifacts', body: { ...good, version: '1.0 beta' }, status: 400, code: 'validation_failed' },
  { name: 'artifact: version with a slash', method: 'POST', path: '/api/v1/services/web/artifacts', body: { ...good, version: '../1' }, status: 400, code: 'validation_failed' },
  { name: 'artifact: bad digest', method: 'POST', path: '/api/v1/services/web/artifacts', body: { ...good, digest: 'md5:abc' }, status: 400, code: 'validation_failed' },
  { name: 'artifact: missing digest', method: 'POST', path: '/api/v1/services/web/artifacts', body: { version: '1' }, status: 400, code: 'validation_failed' },
  { name: 'artifact: changes not strings', method: 'POST', path: '/api/v1/services/web/artifacts', body: { ...good, changes: [1, 2] }, status: 400, code: 'validation_failed' },
  { name: 'artifact: build url not a URL', method: 'POST', path: '/api/v1/services/web/artifacts', body: { ...good, buildUrl: 'not a url' }, status: 400, code: 'validation_failed' },
  { name: 'artifact: digest conflict', method: 'POST', path: '/api/v1/services/checkout-api/artifacts', body: { version: '1.4.0', digest: digest('other') }, status: 409, code: 'artifact_digest_conflict' },
  { name: 'artifact: label unknown version', method: 'PUT', path: '/api/v1/services/checkout-api/artifacts/7.7.7/labels/stable', status: 404, code: 'artifact_not_found' },
  { name: 'artifact: label bad name', method: 'PUT', path: '/api/v1/services/checkout-api/artifacts/1.4.0/labels/Bad!', status: 400, code: 'validation_failed' },
  { name: 'artifact: unknown build', method: 'GET', path: '/api/v1/builds/nope', status: 404, code: 'build_not_found' },
  { name: 'artifact: notes from unknown', method: 'GET', path: '/api/v1/services/checkout-api/notes?from=0.0.1', status: 404, code: 'artifact_not_found' },
  { name: 'artifact: notes reversed', method: 'GET', path: '/api/v1/services/checkout-api/notes?from=1.4.2&to=1.4.0', status: 400, code: 'validation_failed' },
  // deployments
  { name: 'deployment: unknown environment', method: 'POST', path: '/api/v1/deployments', body: { service: 'checkout-api', environment: 'moon', version: '1.4.0' }, status: 404, code: 'environment_not_found' },
  { name: 'deployment: unknown service', method: 'POST', path: '/api/v1/deployments', body: { service: 'nope', environment: 'staging', version: '1.4.0' }, status: 404, code: 'service_not_found' },
  { name: 'deployment: unknown version', method: 'POST', path: '/api/v1/deployments', body: { service: 'checkout-api', environment: 'staging', version: '3.0.0' }, status: 404, code: 'artifact_not_found' },
  { name: 'deployment: unknown strategy', method: 'POST', path: '/api/v1/deployments', body: { service: 'checkout-api', environment: 'staging', version: '1.4.0', strategy: 'yolo' }, status: 400, code: 'validation_failed' },
  { name: 'deployment: mistyped queue', method: 'POST', path: '/api/v1/deployments', body: { service: 'checkout-api', environment: 'staging', version: '1.4.0', queue: 'true' }, status: 400, code: 'validation_failed' },
  { name: 'deployment: report unknown', method: 'POST', path: '/api/v1/deployments/999999/report', body: { state: 'running' }, status: 404, code: 'deployment_not_found' },
  { name: 'deployment: report bad state', method: 'POST', path: '/api/v1/deployments/1/report', body: { state: 'done' }, status: 400, code: 'validation_failed' },
  { name: 'deployment: id not a number', method: 'GET', path: '/api/v1/deployments/abc', status: 400, code: 'validation_failed' },
  { name: 'deployment: negative id', method: 'GET', path: '/api/v1/deployments/-1', status: 400, code: 'validation_failed' },
  { name: 'deployment: empty log', method: 'POST', path: '/api/v1/deployments/1/logs', body: { lines: [] }, status: 400, code: 'validation_failed' },
  { name: 'deployment: list bad state', method: 'GET', path: '/api/v1/deployments?state=weird', status: 400, code: 'validation_failed' },
  { name: 'deployment: list limit too big', method: 'GET', path: '/api/v1/deployments?limit=100000', status: 400, code: 'validation_failed' },
  { name: 'deployment: rollback unknown env', method: 'POST', path: '/api/v1/rollbacks', body: { service: 'checkout-api', environment: 'moon' }, status: 404, code: 'environment_not_found' },
  // run specifications
  { name: 'run spec: no artifact source', method: 'PUT', path: '/api/v1/services/web/run-spec', body: { port: 8080, artifact: {}, command: 'node app.js' }, status: 400, code: 'validation_failed', detail: /url or a fetchCommand/ },
  { name: 'run spec: port out of range', method: 'PUT', path: '/api/v1/services/web/run-spec', body: { port: 70000, artifact: { url: 'https://a/{version}' }, command: 'x' }, status: 400, code: 'validation_failed' },
  { name: 'run spec: ftp artifact', method: 'PUT', path: '/api/v1/services/web/run-spec', body: { port: 8080, artifact: { url: 'ftp://a/b' }, command: 'x' }, status: 400, code: 'validation_failed' },
  { name: 'run spec: decreasing canary', method: 'PUT', path: '/api/v1/services/web/run-spec', body: { port: 8080, artifact: { url: 'https://a/{version}' }, command: 'x', canary: { steps: [{ setWeight: 50 }, { setWeight: 10 }] } }, status: 400, code: 'validation_failed', detail: /must not decrease/ },
  { name: 'run spec: rolling maxSurge and maxUnavailable both 0', method: 'PUT', path: '/api/v1/services/web/run-spec', body: { port: 8080, artifact: { url: 'https://a/{version}' }, command: 'x', rolling: { maxSurge: 0, maxUnavailable: 0 } }, status: 400, code: 'validation_failed', detail: /maxSurge and rolling.maxUnavailable must not both be 0/ },
  { name: 'run spec: rolling maxSurge 0 with maxUnavailable by default', method: 'PUT', path: '/api/v1/services/web/run-spec', body: { port: 8080, artifact: { url: 'https://a/{version}' }, command: 'x', rolling: { maxSurge: 0 } }, status: 400, code: 'validation_failed', detail: /must not both be 0/ },
  { name: 'run spec: negative maxUnavailable', method: 'PUT', path: '/api/v1/services/web/run-spec', body: { port: 8080, artifact: { url: 'https://a/{version}' }, command: 'x', rolling: { maxUnavailable: -1 } }, status: 400, code: 'validation_failed', detail: /maxUnavailable/ },
  { name: 'run spec: fractional maxSurge', method: 'PUT', path: '/api/v1/services/web/run-spec', body: { port: 8080, artifact: { url: 'https://a/{version}' }, command: 'x', rolling: { maxSurge: 1.5 } }, status: 400, code: 'validation_failed', detail: /maxSurge/ },
  { name: 'run spec: percentage maxSurge', method: 'PUT', path: '/api/v1/services/web/run-spec', body: { port: 8080, artifact: { url: 'https://a/{version}' }, command: 'x', rolling: { maxSurge: '25%' } }, status: 400, code: 'validation_failed', detail: /maxSurge/ },
  { name: 'run spec: unknown rolling field', method: 'PUT', path: '/api/v1/services/web/run-spec', body: { port: 8080, artifact: { url: 'https://a/{version}' }, command: 'x', rolling: { batchSize: 2 } }, status: 400, code: 'validation_failed', detail: /batchSize/ },
  { name: 'run spec: unknown field', method: 'PUT', path: '/api/v1/services/web/run-spec', body: { port: 8080, artifact: { url: 'https://a/{version}' }, command: 'x', replicas: 3 }, status: 400, code: 'validation_failed' },
  { name: 'run spec: unknown service', method: 'PUT', path: '/api/v1/services/nope/run-spec', body: { port: 8080, artifact: { url: 'https://a/{version}' }, command: 'x' }, status: 404, code: 'service_not_found' },
  { name: 'run spec: none yet', method: 'GET', path: '/api/v1/services/web/run-spec', status: 404, code: 'run_spec_not_found' },
  { name: 'deployment: agent driver without run spec', method: 'POST', path: '/api/v1/deployments', body: { service: 'checkout-api', environment: 'staging', version: '1.4.0', driver: 'agent' }, status: 409, code: 'run_spec_missing' },
  // audit
  { name: 'audit: bad since', method: 'GET', path: '/api/v1/audit?since=yesterday', status: 400, code: 'validation_failed' },
  { name: 'audit: since after until', method: 'GET', path: '/api/v1/audit?since=2030-01-01T00:00:00Z&until=2020-01-01T00:00:00Z', status: 400, code: 'validation_failed' },
  // plumbing
  { name: 'unknown route', method: 'GET', path: '/api/v1/nothing-here', status: 404, code: 'not_found' },
  { name: 'bad If-Match', method: 'PATCH', path: '/api/v1/environments/staging', body: { protected: true }, status: 400, code: 'validation_failed' },
];

describe('bad input gets a clear 4xx problem and changes nothing', () => {
  it.each(cases)('$name → $status $code', async (c) => {
    const before = await fingerprint();
    const headers: Record<string, string> = { authorization: `Bearer ${t.adminToken}` };
    if (c.name === 'bad If-Match') headers['if-match'] = 'whatever';
    let payload: string | undefined;
    if (c.raw !== undefined) {
      payload = c.raw;
      headers['content-type'] = c.contentType ?? 'application/json';
    } else if (c.body !== undefined) {
      payload = JSON.stringify(c.body);
      headers['content-type'] = 'application/json';
    }
    const res = await t.app.inject({ method: c.method, url: c.path, headers, ...(payload !== undefined ? { payload } : {}) });
    expect(res.statusCode, res.body.slice(0, 300)).toBe(c.status);
    expect(res.headers['content-type']).toContain('application/problem+json');
    const problem = res.json();
    expect(problem).toMatchObject({ status: c.status, code: c.code, type: expect.stringContaining(c.code) });
    expect(problem.detail.length).toBeGreaterThan(5);
    if (c.detail) expect(problem.detail).toMatch(c.detail);
    expect(await fingerprint()).toBe(before);
  });
});
