import { createAgent, type Agent } from '../../packages/agent/src/index.js';
import { createServer } from 'node:net';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test-support/gantry-server.js';
import { artifactServer, hit, load, packVersion, tempDir, waitFor } from './harness.js';

/**
 * Gantry performing deployments end to end: the real server, a real agent, real processes and
 * real traffic through the agent's router on 127.0.0.1. Versions 1 and 2 are good, 3 never gets
 * healthy, 4 answers 500 to every third request.
 */
let server: TestServer;
let artifacts: { url: string; close(): Promise<void> };
let agent: Agent;
let routerUrl: string;
const dirs: string[] = [];

const freePort = () => new Promise<number>((resolve) => {
  const s = createServer().listen(0, '127.0.0.1', () => { const { port } = s.address() as { port: number }; s.close(() => resolve(port)); });
});

interface Deployment { id: number; state: string; message: string | null; version: string; kind: string }
const deployment = (id: number) => server.api<Deployment>('GET', `/api/v1/deployments/${id}`);
const finished = (id: number, timeoutMs = 90_000) =>
  waitFor(`deployment ${id} to finish`, () => deployment(id), (d) => ['succeeded', 'failed', 'rolled-back'].includes(d.state), timeoutMs);
const deploy = (version: string, strategy: string) =>
  server.api<Deployment>('POST', '/api/v1/deployments', { service: 'web', environment: 'production', version, strategy, driver: 'agent' });

beforeAll(async () => {
  server = await startTestServer();
  const dir = tempDir('gantry-e2e-artifacts-');
  dirs.push(dir);
  const digests: Record<string, string> = {};
  for (const b of [
    { version: '1' }, { version: '2' }, { version: '3', health: 'fail' as const }, { version: '4', failEvery: 3 }, { version: '6', listen: false },
  ]) digests[b.version] = packVersion(dir, b).digest;
  artifacts = await artifactServer(dir);
  const port = await freePort();
  routerUrl = `http://127.0.0.1:${port}/`;
  await server.api('POST', '/api/v1/services', { name: 'web' });
  await server.api('POST', '/api/v1/environments', { name: 'production' });
  for (const [version, digest] of Object.entries(digests)) await server.api('POST', '/api/v1/services/web/artifacts', { version, digest });
  // Version 5 claims a digest its file does not have.
  packVersion(dir, { version: '5' });
  await server.api('POST', '/api/v1/services/web/artifacts', { version: '5', digest: `sha256:${'0'.repeat(64)}` });
  await server.api('PUT', '/api/v1/services/web/run-spec', {
    port, artifact: { url: `${artifacts.url}/{version}.tgz` }, command: ['node', 'app.mjs'],
    health: { path: '/health', intervalMs: 200, timeoutMs: 200 }, startTimeoutMs: 20_000,
    blueGreen: { keepWarmMs: 120_000 },
    canary: { steps: [{ setWeight: 25 }, { analysis: { windowMs: 2500, minRequests: 20 } }, { setWeight: 50 }, { analysis: { windowMs: 2500, minRequests: 20 } }] },
    analysis: { maxErrorRate: 0.05, noData: 'wait' },
  });
  const stateDir = tempDir('gantry-e2e-agent-');
  dirs.push(stateDir);
  agent = createAgent({ server: server.url, token: await server.token('agent:production'), name: 'host-1', stateDir, reportIntervalMs: 300, pollWaitSeconds: 20, healthTimeoutMs: 8000 });
  await agent.start();
}, 120_000);

afterAll(async () => {
  await agent?.stop();
  await server?.close();
  await artifacts?.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('deployments performed by an agent', () => {
  it('recreate: the first deployment starts version 1 behind the router', async () => {
    const d = await deploy('1', 'recreate');
    expect(d.state).toBe('approved');
    expect((await finished(d.id)).state).toBe('succeeded');
    expect(await hit(routerUrl)).toEqual({ status: 200, version: '1' });
    const agents = await server.api<{ items: { name: string; live: boolean }[] }>('GET', '/api/v1/agents?environment=production');
    expect(agents.items).toMatchObject([{ name: 'host-1', live: true }]);
  }, 120_000);

  it('blue-green under load: zero failed requests, all traffic on 2 afterwards, 1 kept warm', async () => {
    const d = await deploy('2', 'blue-green');
    const traffic = load(routerUrl, 8000);
    const done = await finished(d.id);
    const stats = await traffic;
    expect(done.state, done.message ?? '').toBe('succeeded');
    expect(stats.failed, stats.errors.join(', ')).toBe(0);
    expect(stats.total).toBeGreaterThan(100);
    expect(await hit(routerUrl)).toEqual({ status: 200, version: '2' });
    const dark = await hit(routerUrl, { 'x-gantry-version': '1' });
    expect(dark.version).toBe('1'); // still warm, reachable by header only
    const logs = await server.api<{ items: { message: string }[] }>('GET', `/api/v1/deployments/${d.id}/logs`);
    expect(logs.items.map((l) => l.message).join('\n')).toMatch(/switch all traffic to the new version/);
  }, 120_000);

  it('rollback while the old version is warm is a route switch: zero failed requests', async () => {
    const traffic = load(routerUrl, 4000);
    await new Promise((r) => setTimeout(r, 500));
    const started = Date.now();
    const rb = await server.api<Deployment>('POST', '/api/v1/rollbacks', { service: 'web', environment: 'production' });
    expect(rb).toMatchObject({ kind: 'rollback', version: '1' });
    await waitFor('traffic on 1', () => hit(routerUrl), (h) => h.version === '1', 10_000);
    const switchedIn = Date.now() - started;
    const stats = await traffic;
    expect((await finished(rb.id)).state).toBe('succeeded');
    expect(stats.failed, stats.errors.join(', ')).toBe(0);
    expect(switchedIn).toBeLessThan(5000);
  }, 60_000);

  it('a version that never gets healthy fails and leaves traffic where it was', async () => {
    const d = await deploy('3', 'blue-green');
    const traffic = load(routerUrl, 3000);
    const done = await finished(d.id);
    expect(done.state).toBe('rolled-back');
    expect(done.message).toMatch(/rolled back to 1/);
    const stats = await traffic;
    expect(stats.failed).toBe(0);
    expect(stats.byVersion['3'] ?? 0).toBe(0);
    expect(await hit(routerUrl)).toEqual({ status: 200, version: '1' });
  }, 120_000);

  it('canary of a version that serves 5xx rolls back by itself after the analysis', async () => {
    const d = await deploy('4', 'canary');
    const traffic = load(routerUrl, 12_000, 4);
    const done = await finished(d.id);
    await traffic;
    expect(done.state).toBe('rolled-back');
    expect(done.message).toMatch(/analysis failed: error rate/);
    await waitFor('traffic back on 1', () => hit(routerUrl), (h) => h.version === '1', 10_000);
    const after = await load(routerUrl, 1000);
    expect(after.failed).toBe(0);
    expect(Object.keys(after.byVersion)).toEqual(['1']);
  }, 120_000);

  it('canary of a good version passes its analysis and takes all traffic', async () => {
    const d = await deploy('2', 'canary');
    const traffic = load(routerUrl, 9000, 4);
    const done = await finished(d.id);
    const stats = await traffic;
    expect(done.state, done.message ?? '').toBe('succeeded');
    expect(stats.failed).toBe(0);
    expect(stats.byVersion['2']).toBeGreaterThan(0);
    expect(stats.byVersion['1']).toBeGreaterThan(0);
    expect(await hit(routerUrl)).toEqual({ status: 200, version: '2' });
  }, 120_000);

  it('a wrong digest and a command that never listens fail clearly, with nothing switched', async () => {
    const wrong = await finished((await deploy('5', 'blue-green')).id);
    expect(wrong.state).toBe('rolled-back');
    expect(wrong.message).toMatch(/digest/i);
    const hang = await finished((await deploy('6', 'blue-green')).id);
    expect(hang.state).toBe('rolled-back');
    expect(await hit(routerUrl)).toEqual({ status: 200, version: '2' });
  }, 120_000);

  it('exposes the routers\' per-version counters on the server\'s /metrics', async () => {
    const res = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${server.adminToken}` } });
    const text = await res.text();
    expect(text).toMatch(/gantry_router_requests\{environment="production",agent="host-1",service="web",version="2"\} [1-9]\d*/);
    expect(text).toContain('gantry_router_errors_5xx{');
  });

  it('shows the agent\'s process output in the deployment log', async () => {
    const list = await server.api<{ items: { id: number; version: string; kind: string }[] }>('GET', '/api/v1/deployments?service=web&state=succeeded');
    const first = list.items.filter((d) => d.version === '1' && d.kind === 'deploy').at(-1)!;
    const logs = await waitFor('process output', () => server.api<{ items: { message: string }[] }>('GET', `/api/v1/deployments/${first.id}/logs`),
      (l) => l.items.some((x) => x.message.includes('version 1 listening')), 10_000);
    expect(logs.items.some((x) => x.message.includes('[host-1'))).toBe(true);
  });
});
