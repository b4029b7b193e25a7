import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedWorld, testApp, type TestApp } from '../test-support/harness.js';

let t: TestApp;
let ci: string;

beforeAll(async () => {
  t = await testApp();
  await seedWorld(t);
  ci = await t.token('ci', 'ci-main');
});
afterAll(() => t.close());

const deploy = (body: Record<string, unknown>, token = ci) => t.call('POST', '/api/v1/deployments', { body, token });
const report = (id: number, state: string, message?: string) =>
  t.call('POST', `/api/v1/deployments/${id}/report`, { body: { state, ...(message ? { message } : {}) }, token: ci });

async function deployAndSucceed(service: string, environment: string, version: string): Promise<number> {
  const res = await deploy({ service, environment, version });
  expect(res.statusCode, res.body).toBe(201);
  const id = res.json().id as number;
  expect((await report(id, 'running')).statusCode).toBe(200);
  expect((await report(id, 'succeeded', 'all pods ready')).statusCode).toBe(200);
  return id;
}

describe('recording deployments that CI performs (external driver)', () => {
  it('walks approved → running → succeeded and keeps log lines with timestamps', async () => {
    const res = await deploy({ service: 'checkout-api', environment: 'development', version: '1.4.0', reason: 'first' });
    expect(res.statusCode).toBe(201);
    const d = res.json();
    expect(d).toMatchObject({ state: 'approved', driver: 'external', strategy: 'recreate', requestedBy: 'token:ci-main', version: '1.4.0' });
    expect(res.headers.etag).toBe('"1"');
    await report(d.id, 'running', 'helm upgrade started');
    const done = (await report(d.id, 'succeeded')).json();
    expect(done.state).toBe('succeeded');
    expect(done.message).toBeNull(); // the message belongs to the report that set the state
    expect(done.startedAt).not.toBeNull();
    expect(Date.parse(done.finishedAt)).toBeGreaterThanOrEqual(Date.parse(done.startedAt));
    const logPage = (await t.call('GET', `/api/v1/deployments/${d.id}/logs`)).json();
    expect(logPage.state).toBe('succeeded');
    const logs = logPage.items;
    expect(logs.map((l: { message: string }) => l.message)).toEqual([
      expect.stringContaining('deployment of checkout-api@1.4.0 to development requested by token:ci-main'),
      'approved → running by token:ci-main: helm upgrade started',
      'running → succeeded by token:ci-main',
    ]);
    expect(logs.every((l: { at: string }) => !Number.isNaN(Date.parse(l.at)))).toBe(true);
  });

  it('refuses moves the state machine does not allow, and a finished deployment stays finished', async () => {
    const res = await deploy({ service: 'checkout-api', environment: 'development', version: '1.4.1' });
    const d = res.json();
    await report(d.id, 'failed', 'image pull failed');
    const again = await report(d.id, 'running');
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ code: 'invalid_transition', from: 'failed', to: 'running' });
    expect((await t.call('POST', `/api/v1/deployments/${d.id}/logs`, { body: { lines: [{ message: 'late' }] }, token: ci })).statusCode).toBe(409);
  });

  it('honours If-Match on reports', async () => {
    const d = (await deploy({ service: 'checkout-api', environment: 'development', version: '1.4.1' })).json();
    const stale = await t.call('POST', `/api/v1/deployments/${d.id}/report`, { body: { state: 'running' }, token: ci, headers: { 'if-match': '"7"' } });
    expect(stale.statusCode).toBe(412);
    expect(stale.json().code).toBe('precondition_failed');
    const fresh = await t.call('POST', `/api/v1/deployments/${d.id}/report`, { body: { state: 'running' }, token: ci, headers: { 'if-match': '"1"' } });
    expect(fresh.statusCode).toBe(200);
    expect(fresh.headers.etag).toBe('"2"');
    await report(d.id, 'succeeded');
  });
});

describe('one deployment per service and environment', () => {
  it('refuses a second with the id of the one in the way, or queues it, and promotes the queue', async () => {
    const first = (await deploy({ service: 'web', environment: 'staging', version: '2.0.0' })).json();
    expect(first.code).toBe('artifact_not_found');
    await t.call('POST', '/api/v1/services/web/artifacts', { body: { version: '2.0.0', digest: `sha256:${'b'.repeat(64)}` }, token: ci });
    await t.call('POST', '/api/v1/services/web/artifacts', { body: { version: '2.0.1', digest: `sha256:${'c'.repeat(64)}` }, token: ci });
    const active = (await deploy({ service: 'web', environment: 'staging', version: '2.0.0' })).json();
    const refused = await deploy({ service: 'web', environment: 'staging', version: '2.0.1' });
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toMatchObject({ code: 'deployment_in_progress', activeDeploymentId: active.id });
    expect(refused.json().detail).toContain(`deployment ${active.id}`);
    const queued = (await deploy({ service: 'web', environment: 'staging', version: '2.0.1', queue: true })).json();
    expect(queued.state).toBe('queued');
    const jump = await t.call('POST', `/api/v1/deployments/${queued.id}/approve`, { body: {} });
    expect(jump.statusCode).toBe(409);
    expect(jump.json()).toMatchObject({ code: 'invalid_transition', from: 'queued' });
    await report(active.id, 'succeeded');
    const promoted = (await t.call('GET', `/api/v1/deployments/${queued.id}`)).json();
    expect(promoted.state).toBe('approved');
    await report(queued.id, 'succeeded');
  });

  it('lets exactly one of 20 simultaneous requests through', async () => {
    const results = await Promise.all(Array.from({ length: 20 }, () => deploy({ service: 'checkout-api', environment: 'staging', version: '1.4.2' })));
    const codes = results.map((r) => r.statusCode).sort();
    expect(codes.filter((c) => c === 201)).toHaveLength(1);
    expect(codes.filter((c) => c === 409)).toHaveLength(19);
    const winner = results.find((r) => r.statusCode === 201)!.json();
    for (const r of results.filter((x) => x.statusCode === 409)) expect(r.json().activeDeploymentId).toBe(winner.id);
    const active = (await t.call('GET', '/api/v1/deployments?service=checkout-api&environment=staging&state=approved')).json().items;
    expect(active).toHaveLength(1);
    await report(winner.id, 'succeeded');
  });
});

describe('environment rules', () => {
  it('refuses deployments into a frozen environment unless overridden with a reason, which is audited', async () => {
    const until = new Date(Date.now() + 3_600_000).toISOString();
    expect((await t.call('PUT', '/api/v1/environments/staging/freeze', { body: { until, reason: 'quarter close' } })).statusCode).toBe(200);
    const refused = await deploy({ service: 'checkout-api', environment: 'staging', version: '1.4.1' });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().code).toBe('environment_frozen');
    expect(refused.json().detail).toContain('quarter close');
    const forced = await deploy({ service: 'checkout-api', environment: 'staging', version: '1.4.1', overrideFreeze: 'hotfix for INC-42' });
    expect(forced.statusCode).toBe(201);
    expect(forced.json().overrideReason).toBe('hotfix for INC-42');
    const audit = (await t.call('GET', `/api/v1/audit?resourceType=deployment&resourceId=${forced.json().id}`)).json().items;
    expect(audit[0].after.overrideReason).toBe('hotfix for INC-42');
    await report(forced.json().id, 'succeeded');
    await t.call('DELETE', '/api/v1/environments/staging/freeze');
  });

  it('applies the promotion policy and says which rule refused', async () => {
    const env = await t.call('PATCH', '/api/v1/environments/production', { body: { requiredLabel: 'stable', requirePreviousSuccess: true, protected: true } });
    expect(env.statusCode).toBe(200);
    const noLabel = await deploy({ service: 'checkout-api', environment: 'production', version: '1.4.0' });
    expect(noLabel.json()).toMatchObject({ code: 'policy_violation', rule: 'requiredLabel' });
    await t.call('PUT', '/api/v1/services/checkout-api/artifacts/1.4.0/labels/stable', { token: ci });
    const notInStaging = await deploy({ service: 'checkout-api', environment: 'production', version: '1.4.0' });
    expect(notInStaging.json()).toMatchObject({ code: 'policy_violation', rule: 'requirePreviousSuccess', previousEnvironment: 'staging' });
    await deployAndSucceed('checkout-api', 'staging', '1.4.0');
    const pending = await deploy({ service: 'checkout-api', environment: 'production', version: '1.4.0' });
    expect(pending.statusCode).toBe(201);
    expect(pending.json().state).toBe('pending');
    expect((await report(pending.json().id, 'running')).json().code).toBe('approval_required');
  });

  it('needs an approval by someone other than the requester', async () => {
    const d = (await t.call('GET', '/api/v1/deployments?environment=production&state=pending')).json().items[0];
    const own = await t.call('POST', `/api/v1/deployments/${d.id}/approve`, { body: {}, token: ci });
    expect(own.statusCode).toBe(403); // a CI token may not approve at all
    const adminDeploy = await deploy({ service: 'web', environment: 'production', version: '2.0.0' }, t.adminToken);
    expect(adminDeploy.json().code).toBe('policy_violation');
    const secondAdmin = await t.token('admin', 'release-manager');
    const approved = await t.call('POST', `/api/v1/deployments/${d.id}/approve`, { body: { comment: 'ok for Friday' }, token: secondAdmin });
    expect(approved.json()).toMatchObject({ state: 'approved', approvedBy: 'token:release-manager' });
    await report(d.id, 'succeeded');
  });

  it('refuses self-approval with self_approval', async () => {
    const requester = await t.token('admin', 'requester');
    await t.call('PUT', '/api/v1/services/checkout-api/artifacts/1.4.1/labels/stable', { token: ci });
    const d = (await deploy({ service: 'checkout-api', environment: 'production', version: '1.4.1' }, requester)).json();
    expect(d.state).toBe('pending');
    const self = await t.call('POST', `/api/v1/deployments/${d.id}/approve`, { body: {}, token: requester });
    expect(self.statusCode).toBe(403);
    expect(self.json().code).toBe('self_approval');
    const rejected = await t.call('POST', `/api/v1/deployments/${d.id}/reject`, { body: { comment: 'not this week' } });
    expect(rejected.json()).toMatchObject({ state: 'failed' });
  });
});

describe('rollback, history and the matrix', () => {
  it('records a redeploy of the previous successful version and names it', async () => {
    await deployAndSucceed('checkout-api', 'development', '1.4.2');
    const res = await t.call('POST', '/api/v1/rollbacks', { body: { service: 'checkout-api', environment: 'development' }, token: ci });
    expect(res.statusCode).toBe(201);
    const rb = res.json();
    expect(rb).toMatchObject({ kind: 'rollback', version: '1.4.1', state: 'approved' });
    expect(rb.reason).toBe('roll back 1.4.2 to 1.4.1');
    await report(rb.id, 'succeeded');
    const none = await t.call('POST', '/api/v1/rollbacks', { body: { service: 'web', environment: 'development' }, token: ci });
    expect(none.json().code).toBe('no_previous_version');
    const unknown = await t.call('POST', '/api/v1/rollbacks', { body: { service: 'nope', environment: 'development' }, token: ci });
    expect(unknown.json().code).toBe('service_not_found');
  });

  it('pages through history with a cursor', async () => {
    const first = (await t.call('GET', '/api/v1/deployments?limit=3')).json();
    expect(first.items).toHaveLength(3);
    const second = (await t.call('GET', `/api/v1/deployments?limit=3&cursor=${first.nextCursor}`)).json();
    expect(second.items[0].id).toBeLessThan(first.items[2].id);
    expect((await t.call('GET', '/api/v1/deployments?cursor=garbage')).statusCode).toBe(400);
  });

  it('shows what runs where and how far behind each environment is', async () => {
    const m = (await t.call('GET', '/api/v1/matrix')).json();
    expect(m.environments).toEqual(['development', 'staging', 'production']);
    const checkout = m.services.find((s: { service: string }) => s.service === 'checkout-api');
    const [dev, staging, prod] = checkout.cells;
    expect(dev.current).toMatchObject({ version: '1.4.1' });
    expect(staging.current).toMatchObject({ version: '1.4.0' });
    expect(staging.behindPrevious).toBe(1);
    expect(prod.current).toMatchObject({ version: '1.4.0', by: 'token:ci-main' });
    expect(prod.latest).toMatchObject({ version: '1.4.1', state: 'failed' });
    expect(prod.behindPrevious).toBe(0);
  });

  it('exposes deployments by state on /metrics', async () => {
    const res = await t.call('GET', '/metrics');
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatch(/gantry_deployments\{state="succeeded"\} \d+/);
    expect(res.body).toContain('gantry_http_requests_total');
  });
});
