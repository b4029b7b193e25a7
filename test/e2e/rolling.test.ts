import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test-support/gantry-server.js';
import { artifactServer, hit, load, packVersion, tempDir, waitFor } from './harness.js';

/**
 * Two agents as two targets of one environment, each a real `gantry agent` process with its
 * router on its own loopback address: a rolling deployment goes host by host, and survives one
 * agent being killed with SIGKILL halfway.
 */
const cli = fileURLToPath(new URL('../../packages/cli/dist/main.js', import.meta.url));
let server: TestServer;
let artifacts: { url: string; close(): Promise<void> };
let port: number;
let token: string;
const dirs: string[] = [];
const agents = new Map<string, { child: ChildProcess; stateDir: string; host: string }>();

const freePort = () => new Promise<number>((resolve) => {
  const s = createServer().listen(0, '127.0.0.1', () => { const { port: p } = s.address() as { port: number }; s.close(() => resolve(p)); });
});

function startAgent(name: string, host: string, stateDir: string): ChildProcess {
  const child = spawn(process.execPath, [cli, 'agent', '--server', server.url, '--token', token, '--name', name, '--state-dir', stateDir, '--host', host], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.resume();
  child.stderr!.resume();
  agents.set(name, { child, stateDir, host });
  return child;
}

interface Deployment { id: number; state: string; message: string | null; progress: { step: number; steps: string[] } | null }
const deployment = (id: number) => server.api<Deployment>('GET', `/api/v1/deployments/${id}`);

beforeAll(async () => {
  server = await startTestServer();
  const dir = tempDir('gantry-e2e-rolling-');
  dirs.push(dir);
  const v1 = packVersion(dir, { version: '1' });
  const v2 = packVersion(dir, { version: '2' });
  artifacts = await artifactServer(dir);
  port = await freePort();
  await server.api('POST', '/api/v1/services', { name: 'api' });
  await server.api('POST', '/api/v1/environments', { name: 'staging' });
  await server.api('POST', '/api/v1/services/api/artifacts', { version: '1', digest: v1.digest });
  await server.api('POST', '/api/v1/services/api/artifacts', { version: '2', digest: v2.digest });
  await server.api('PUT', '/api/v1/services/api/run-spec', {
    port, artifact: { url: `${artifacts.url}/{version}.tgz` }, command: ['node', 'app.mjs'], instances: 2,
    health: { path: '/health', intervalMs: 200, timeoutMs: 200 }, startTimeoutMs: 30_000, rolling: { maxUnavailable: 1 },
  });
  token = await server.token('agent:staging');
  for (const [name, host] of [['host-a', '127.0.0.2'], ['host-b', '127.0.0.3']] as const) {
    const stateDir = tempDir(`gantry-e2e-${name}-`);
    dirs.push(stateDir);
    startAgent(name, host, stateDir);
  }
  await waitFor('two live agents', () => server.api<{ items: { live: boolean }[] }>('GET', '/api/v1/agents?environment=staging'), (a) => a.items.filter((x) => x.live).length === 2, 30_000);
}, 120_000);

afterAll(async () => {
  for (const { child } of agents.values()) child.kill('SIGTERM');
  await Promise.all([...agents.values()].map(({ child }) => new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)))));
  await server?.close();
  await artifacts?.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const router = (host: string) => `http://${host}:${port}/`;

describe('rolling across two agents', () => {
  it('the first deployment reaches both hosts', async () => {
    const d = await server.api<Deployment>('POST', '/api/v1/deployments', { service: 'api', environment: 'staging', version: '1', driver: 'agent', strategy: 'rolling' });
    const done = await waitFor(`deployment ${d.id}`, () => deployment(d.id), (x) => ['succeeded', 'failed', 'rolled-back'].includes(x.state), 60_000);
    expect(done.state, done.message ?? '').toBe('succeeded');
    expect(await hit(router('127.0.0.2'))).toEqual({ status: 200, version: '1' });
    expect(await hit(router('127.0.0.3'))).toEqual({ status: 200, version: '1' });
  }, 90_000);

  it('replaces host by host, and finishes after one agent is killed with SIGKILL and restarted', async () => {
    const d = await server.api<Deployment>('POST', '/api/v1/deployments', { service: 'api', environment: 'staging', version: '2', driver: 'agent', strategy: 'rolling' });
    const trafficA = load(router('127.0.0.2'), 12_000, 4);
    const trafficB = load(router('127.0.0.3'), 12_000, 4);
    // Kill host-b's agent while the rollout is under way. Its router lives in the agent process and
    // dies with it; the service processes outlive it and the restarted agent adopts them.
    await waitFor('the first batch', () => deployment(d.id), (x) => (x.progress?.step ?? 0) >= 0 && x.state === 'running', 30_000);
    const b = agents.get('host-b')!;
    b.child.kill('SIGKILL');
    await new Promise((r) => b.child.once('exit', r));
    await new Promise((r) => setTimeout(r, 1500));
    startAgent('host-b', b.host, b.stateDir);
    const done = await waitFor(`deployment ${d.id}`, () => deployment(d.id), (x) => ['succeeded', 'failed', 'rolled-back'].includes(x.state), 90_000);
    expect(done.state, done.message ?? '').toBe('succeeded');
    expect(done.progress!.steps.filter((s) => s.startsWith('replace on 1 target'))).toHaveLength(2);
    const [a, bStats] = await Promise.all([trafficA, trafficB]);
    // host-a's router never went away: not one failed request there.
    expect(a.failed, a.errors.join(', ')).toBe(0);
    // Every answer came from a version the records show (1 or 2), never anything else.
    for (const v of Object.keys({ ...a.byVersion, ...bStats.byVersion })) expect(['1', '2', '?']).toContain(v);
    await waitFor('host-b serving 2', () => hit(router('127.0.0.3')), (h) => h.version === '2', 20_000);
    expect(await hit(router('127.0.0.2'))).toEqual({ status: 200, version: '2' });
  }, 150_000);
});
