import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { answers, service, serviceOf, startAgent, useAgentBed, versionOf, waitForVersion } from '../test-support/agents.js';
import { buildServiceTarball, serviceVersion, sha256, type BuiltArtifact, type FileServer } from '../test-support/artifacts.js';
import type { FakeAgentApi } from '../test-support/fake-agent-api.js';
import { httpRequest, isGone, waitFor } from '../test-support/index.js';

/** The agent converging to desired state: real artifacts, real processes, real routers on 127.0.0.1. */
let workDir: string;
let tarball: BuiltArtifact;
let files: FileServer;
let api: FakeAgentApi;
let stateDir: string;
let port: number;
useAgentBed('gantry-agent-converge-', (bed) => ({ workDir, tarball, files, api, stateDir, port } = bed));

const artifact = () => ({ url: `${files.url}/test-service.tgz`, digest: tarball.digest });
const v = (version: string, options: Parameters<typeof serviceVersion>[2] = {}) => serviceVersion(version, artifact(), options);

describe('agent: registration and a first version', () => {
  it('registers, persists its id and the desired state, routes v1 on the service port, and reports it ready', async () => {
    const revision = api.setDesired([service('web', port, [v('v1', { deploymentId: 7 })], [{ version: 'v1', weight: 100_000 }])]);
    const agent = await startAgent(api, stateDir);
    await waitFor(() => agent.status().registered, { what: 'registration' });

    const registered = api.agents.get('host-1');
    expect(registered).toMatchObject({ name: 'host-1', version: '0.1.0' });
    expect(JSON.parse(readFileSync(join(stateDir, 'agent.json'), 'utf8'))).toMatchObject({ id: registered!.id, environment: 'production' });

    const ready = await waitForVersion(agent, 'web', 'v1', 'ready');
    expect(ready).toMatchObject({ deploymentId: 7, healthyInstances: 1, error: null });
    expect(ready.instances).toEqual([expect.objectContaining({ state: 'running', healthy: true, restarts: 0, pid: expect.any(Number), port: expect.any(Number) })]);
    expect((await httpRequest(port, '/')).body).toBe('v1');
    expect(JSON.parse(readFileSync(join(stateDir, 'desired.json'), 'utf8')).revision).toBe(revision);

    const report = await waitFor(() => api.reports.map((r) => r.body).find((b) => b.services[0]?.versions[0]?.state === 'ready' && b.services[0].routesRevision === revision), { what: 'a ready report' });
    expect(report).toMatchObject({
      desiredRevision: revision,
      services: [{ service: 'web', routesRevision: revision, routes: { versions: [{ version: 'v1', weight: 100_000 }] }, versions: [{ version: 'v1', state: 'ready', healthyInstances: 1 }] }],
    });
    expect(agent.status()).toMatchObject({ id: registered!.id, environment: 'production', connected: true, desiredRevision: revision, appliedRevision: revision, fatal: null });
    // Every call the agent made was one the protocol accepts (reports before any routes included).
    expect(api.requests.filter((r) => r.status >= 400)).toEqual([]);
  });
});

describe('agent: converging between versions', () => {
  it('splits traffic 50/50, then moves to v2 alone: v1 drains its requests in flight, then stops', async () => {
    const headerRoutes = [{ header: 'x-gantry-version', value: 'v1', version: 'v1' }];
    api.setDesired([service('web', port, [v('v1', { deploymentId: 1 })], { versions: [{ version: 'v1', weight: 100_000 }], headerRoutes })]);
    const agent = await startAgent(api, stateDir);
    const v1 = await waitForVersion(agent, 'web', 'v1', 'ready');
    const v1Pid = v1.instances[0]!.pid!;

    api.setDesired([service('web', port, [v('v1', { deploymentId: 1 }), v('v2', { deploymentId: 2, instances: 2 })], {
      versions: [{ version: 'v1', weight: 50_000 }, { version: 'v2', weight: 50_000 }],
      headerRoutes,
    })]);
    await waitForVersion(agent, 'web', 'v2', 'ready');
    await waitFor(() => serviceOf(agent, 'web')?.routes.versions.length === 2, { what: 'the 50/50 table' });
    const split = await answers(port, 60);
    expect(new Set(split)).toEqual(new Set(['v1', 'v2']));
    // The same v1 process served throughout: adding a version does not touch the one running.
    expect(versionOf(agent, 'web', 'v1')!.instances[0]!.pid).toBe(v1Pid);

    // A slow request on v1 is in flight when v1 leaves the routes: it completes, then v1 stops.
    const slow = httpRequest(port, '/slow?ms=1500&chunks=3', { headers: { 'x-gantry-version': 'v1' } });
    await new Promise((r) => setTimeout(r, 200));
    api.setDesired([service('web', port, [v('v2', { deploymentId: 2, instances: 2 })], [{ version: 'v2', weight: 100_000 }])]);
    await waitFor(() => serviceOf(agent, 'web')?.routes.versions.map((r) => r.version).join() === 'v2', { what: 'the v2-only table' });
    expect(await answers(port, 10)).toEqual(Array(10).fill('v2'));
    expect(versionOf(agent, 'web', 'v1')?.state).toBe('stopping');
    expect(isGone(v1Pid)).toBe(false);
    const reply = await slow;
    expect(reply.status).toBe(200);
    expect(reply.body).toBe('chunk 0 of v1\nchunk 1 of v1\nchunk 2 of v1\n');
    await waitFor(() => versionOf(agent, 'web', 'v1') === undefined, { what: 'v1 to be removed' });
    await waitFor(() => isGone(v1Pid), { what: 'the v1 process to exit' });
  });

  it('keeps the router of a service listed with no version (in-place replacement): 503 while v1 drains and stops, then v2 on the same port', async () => {
    api.setDesired([service('web', port, [v('v1', { deploymentId: 1 })], [{ version: 'v1', weight: 100_000 }])]);
    const agent = await startAgent(api, stateDir);
    const v1Pid = (await waitForVersion(agent, 'web', 'v1', 'ready')).instances[0]!.pid!;
    await waitFor(() => serviceOf(agent, 'web')?.routes.versions.length === 1, { what: 'the v1 table' });

    const slow = httpRequest(port, '/slow?ms=1000&chunks=2');
    await new Promise((r) => setTimeout(r, 200));
    const vacant = api.setDesired([service('web', port, [], [])]);
    await waitFor(() => serviceOf(agent, 'web')?.routesRevision === vacant, { what: 'the empty table' });
    // The router still listens: new requests get a problem, not a refused connection.
    const refused = await httpRequest(port, '/');
    expect(refused.status).toBe(503);
    expect(JSON.parse(refused.body)).toMatchObject({ code: 'no_route' });
    const reply = await slow;
    expect(reply).toMatchObject({ status: 200, body: 'chunk 0 of v1\nchunk 1 of v1\n' });
    await waitFor(() => isGone(v1Pid), { what: 'the v1 process to exit' });
    await waitFor(() => serviceOf(agent, 'web')?.versions.length === 0, { what: 'v1 out of the report' });
    expect(serviceOf(agent, 'web')).toMatchObject({ routes: { versions: [] }, versions: [], error: null });

    api.setDesired([service('web', port, [v('v2', { deploymentId: 2 })], [{ version: 'v2', weight: 100_000 }])]);
    await waitForVersion(agent, 'web', 'v2', 'ready');
    await waitFor(() => serviceOf(agent, 'web')?.routes.versions.map((r) => r.version).join() === 'v2', { what: 'the v2 table' });
    expect(await answers(port, 5)).toEqual(Array(5).fill('v2'));
  });

  it('fails a version that never becomes healthy, stops it, and keeps the routes in force', async () => {
    api.setDesired([service('web', port, [v('v1')], [{ version: 'v1', weight: 100_000 }])]);
    const agent = await startAgent(api, stateDir, { healthTimeoutMs: 2_000 });
    await waitForVersion(agent, 'web', 'v1', 'ready');
    const before = serviceOf(agent, 'web')!.routesRevision;

    const revision = api.setDesired([service('web', port, [v('v1'), v('v2', { env: { HEALTH: 'fail' } })], [{ version: 'v1', weight: 10_000 }, { version: 'v2', weight: 90_000 }])]);
    const failed = await waitForVersion(agent, 'web', 'v2', 'failed');
    expect(failed.error).toMatch(/^never healthy: instance 0 not healthy within 2000 ms \(last probe: status 503\)/);
    expect(failed.instances).toEqual([]);
    const web = serviceOf(agent, 'web')!;
    expect(web.routesRevision).toBe(before);
    expect(web.routes.versions).toEqual([{ version: 'v1', weight: 100_000 }]);
    expect(web.error).toContain(`routes of revision ${revision} not applied: version v2 has weight 90000 but no healthy instance`);
    expect(await answers(port, 10)).toEqual(Array(10).fill('v1'));

    // Reported as such, and failed stays failed for that deployment (no retry loop).
    await waitFor(() => api.lastReport()?.services[0]?.versions.find((x) => x.version === 'v2')?.state === 'failed', { what: 'a failed report' });
    await new Promise((r) => setTimeout(r, 500));
    expect(versionOf(agent, 'web', 'v2')?.state).toBe('failed');
  });

  it('fails a command that never listens after the health timeout, and one that crashes at once', async () => {
    const hang = v('hang');
    hang.run.command = [process.execPath, '-e', 'setInterval(() => {}, 1000)'];
    const crash = v('crash', { env: { EXIT_AFTER_MS: '0' } });
    api.setDesired([service('web', port, [v('v1'), hang, crash], [{ version: 'v1', weight: 100_000 }, { version: 'hang', weight: 0 }, { version: 'crash', weight: 0 }])]);
    const started = Date.now();
    const agent = await startAgent(api, stateDir, { healthTimeoutMs: 1_500 });
    const hung = await waitForVersion(agent, 'web', 'hang', 'failed');
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_500);
    expect(hung.error).toMatch(/^never healthy: instance 0 not healthy within 1500 ms \(last probe: ECONNREFUSED\)/);
    const crashed = await waitForVersion(agent, 'web', 'crash', 'failed');
    expect(crashed.error).toBe('crashed while starting: instance 0 exited with code 3');
    // Weight-0 versions without instances are simply left out of the table.
    await waitForVersion(agent, 'web', 'v1', 'ready');
    await waitFor(() => serviceOf(agent, 'web')?.routes.versions.length === 1, { what: 'the v1 table' });
    expect(serviceOf(agent, 'web')!.error).toBeNull();
    expect(await answers(port, 5)).toEqual(Array(5).fill('v1'));
  });

  it('fails a version whose artifact has the wrong digest or cannot be fetched: nothing started, nothing switched', async () => {
    api.setDesired([service('web', port, [v('v1')], [{ version: 'v1', weight: 100_000 }])]);
    const agent = await startAgent(api, stateDir);
    await waitForVersion(agent, 'web', 'v1', 'ready');

    const wrong = serviceVersion('v2', { url: `${files.url}/test-service.tgz`, digest: sha256('not this') });
    // (A digest already in the cache would not be fetched at all.)
    const gone = serviceVersion('v3', { url: `${files.url}/missing.tgz`, digest: sha256('missing') });
    api.setDesired([service('web', port, [v('v1'), wrong, gone], [{ version: 'v2', weight: 50_000 }, { version: 'v3', weight: 50_000 }])]);
    const mismatch = await waitForVersion(agent, 'web', 'v2', 'failed');
    expect(mismatch.error).toBe(`digest mismatch: expected ${sha256('not this')}, the artifact has ${tarball.digest}`);
    expect(mismatch.instances).toEqual([]);
    const unreachable = await waitForVersion(agent, 'web', 'v3', 'failed');
    expect(unreachable.error).toBe(`GET ${files.url}/missing.tgz: 404 Not Found`);
    expect(serviceOf(agent, 'web')!.routes.versions).toEqual([{ version: 'v1', weight: 100_000 }]);
    expect(await answers(port, 5)).toEqual(Array(5).fill('v1'));
  });

  it('fetches with a fetchCommand and runs the version from a file:// artifact too', async () => {
    const viaCommand = serviceVersion('v1', { digest: tarball.digest, fetchCommand: `cp '${tarball.file}' "$GANTRY_OUTPUT"` });
    const other = buildServiceTarball(workDir, 'other.tgz', { extra: { 'VERSION.txt': 'other' } });
    const viaFile = serviceVersion('v2', { url: other.fileUrl, digest: other.digest });
    api.setDesired([service('web', port, [viaCommand, viaFile], [{ version: 'v1', weight: 50_000 }, { version: 'v2', weight: 50_000 }])]);
    const agent = await startAgent(api, stateDir);
    await waitForVersion(agent, 'web', 'v1', 'ready');
    await waitForVersion(agent, 'web', 'v2', 'ready');
    await waitFor(() => serviceOf(agent, 'web')?.routes.versions.length === 2, { what: 'both routed' });
    expect(new Set(await answers(port, 40))).toEqual(new Set(['v1', 'v2']));
    expect(existsSync(join(stateDir, 'artifacts', `sha256-${other.digest.slice(7)}-tar`, 'VERSION.txt'))).toBe(true);
  });
});

describe('agent: one converge at a time', () => {
  it('applies the newest desired state after the converge under way, skipping ones already outdated', async () => {
    const slow = v('v1', { env: { STARTUP_DELAY_MS: '2000' } });
    api.setDesired([service('web', port, [slow], [{ version: 'v1', weight: 100_000 }])]);
    const agent = await startAgent(api, stateDir);
    const converged: number[] = [];
    agent.on('converged', ({ revision }) => converged.push(revision));
    await waitFor(() => versionOf(agent, 'web', 'v1')?.state === 'starting', { what: 'v1 starting' });
    // Two new revisions while v1 is still starting: the second makes the first moot.
    api.setDesired([service('web', port, [slow, v('v2')], [{ version: 'v2', weight: 100_000 }])]);
    await waitFor(() => agent.status().desiredRevision === 2, { what: 'revision 2 received' });
    const last = api.setDesired([service('web', port, [slow, v('v3')], [{ version: 'v1', weight: 50_000 }, { version: 'v3', weight: 50_000 }])]);
    await waitFor(() => agent.status().appliedRevision === last, { what: 'the last revision applied' });
    expect(converged).toEqual([1, 3]);
    expect(versionOf(agent, 'web', 'v2')).toBeUndefined();
    expect(serviceOf(agent, 'web')!.routes.versions).toEqual([{ version: 'v1', weight: 50_000 }, { version: 'v3', weight: 50_000 }]);
  });
});

describe('agent: secrets', () => {
  it('passes the variables a run spec names in secrets from its own environment, never its GANTRY_* ones, and fails a version whose secret is missing', async () => {
    process.env.AGENT_TEST_DB_PASSWORD = 's3cret';
    process.env.GANTRY_TOKEN = 'must-not-leak';
    try {
      const withSecret = v('v1', { deploymentId: 5 });
      withSecret.run.command = `echo "db=$AGENT_TEST_DB_PASSWORD token=\${GANTRY_TOKEN:-none}"; exec '${process.execPath}' test-service.mjs`;
      withSecret.run.secrets = ['AGENT_TEST_DB_PASSWORD'];
      const missing = v('v2');
      missing.run.secrets = ['AGENT_TEST_NOT_SET'];
      const agentOwn = v('v3');
      agentOwn.run.secrets = ['GANTRY_TOKEN'];
      api.setDesired([service('web', port, [withSecret, missing, agentOwn], [{ version: 'v1', weight: 100_000 }])]);
      const agent = await startAgent(api, stateDir);
      await waitForVersion(agent, 'web', 'v1', 'ready');
      await waitFor(() => api.logs.find((l) => l.message.startsWith('db=')), { what: 'the line with the secret' });
      expect(api.logs.find((l) => l.message.startsWith('db='))!.message).toBe('db=s3cret token=none');
      expect((await waitForVersion(agent, 'web', 'v2', 'failed')).error).toBe("secret AGENT_TEST_NOT_SET is not set in the agent's environment");
      expect((await waitForVersion(agent, 'web', 'v3', 'failed')).error).toBe("secret GANTRY_TOKEN is not set in the agent's environment (GANTRY_* variables are never passed on)");
    } finally {
      delete process.env.AGENT_TEST_DB_PASSWORD;
      delete process.env.GANTRY_TOKEN;
    }
  });
});

describe('agent: reports and logs', () => {
  it('reports cumulative router counters per version, with latency buckets in ms', async () => {
    api.setDesired([service('web', port, [v('v1', { env: { FAIL_EVERY: '4' } })], [{ version: 'v1', weight: 100_000 }])]);
    const agent = await startAgent(api, stateDir);
    await waitForVersion(agent, 'web', 'v1', 'ready');
    await waitFor(() => serviceOf(agent, 'web')?.routesRevision !== undefined, { what: 'routes' });
    const replies = await Promise.all(Array.from({ length: 8 }, () => httpRequest(port, '/')));
    expect(replies.filter((r) => r.status === 500)).toHaveLength(2);

    const counters = await waitFor(() => {
      const c = api.lastReport()?.services[0]?.router.versions.v1;
      return c && c.requests === 8 ? c : undefined;
    }, { what: 'a report with 8 requests' });
    expect(counters.errors5xx).toBe(2);
    expect(counters.latencyMs.buckets).toEqual([1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000]);
    expect(counters.latencyMs.counts).toHaveLength(14);
    expect(counters.latencyMs.counts.reduce((a, b) => a + b, 0)).toBe(8);

    // Cumulative: more requests, bigger numbers.
    await Promise.all(Array.from({ length: 4 }, () => httpRequest(port, '/')));
    await waitFor(() => api.lastReport()?.services[0]?.router.versions.v1?.requests === 12, { what: '12 requests reported' });
    expect(api.reports.length).toBeGreaterThan(2);
  });

  it('ships process output with the deployment id of its version', async () => {
    api.setDesired([service('web', port, [v('v1', { deploymentId: 41 })], [{ version: 'v1', weight: 100_000 }])]);
    const agent = await startAgent(api, stateDir);
    await waitForVersion(agent, 'web', 'v1', 'ready');
    await waitFor(() => serviceOf(agent, 'web')?.routesRevision !== undefined, { what: 'routes' });
    await httpRequest(port, '/log?line=hello-from-v1');
    const line = await waitFor(() => api.logs.find((l) => l.message === 'hello-from-v1'), { what: 'the log line' });
    const instance = versionOf(agent, 'web', 'v1')!.instances[0]!.id;
    expect(line).toEqual({ deploymentId: 41, service: 'web', version: 'v1', instance, stream: 'stdout', message: 'hello-from-v1', at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
    expect(api.logs).toContainEqual(expect.objectContaining({ deploymentId: 41, stream: 'stderr', message: 'stderr hello from v1' }));
    expect(agent.status().logs).toMatchObject({ dropped: 0, shipped: expect.any(Number) });
  });
});
