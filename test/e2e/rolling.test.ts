import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test-support/gantry-server.js';
import { artifactServer, hit, load, packVersion, tempDir, waitFor } from './harness.js';

/**
 * Two agents as two targets of one environment, each a real `gantry agent` process with its
 * router on its own loopback address: a rolling deployment goes host by host — with the new
 * version beside the old one (maxSurge), surviving one agent being killed with SIGKILL halfway,
 * and in place (maxUnavailable), where the old version leaves a host before the new one starts.
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
  const v3 = packVersion(dir, { version: '3' });
  artifacts = await artifactServer(dir);
  port = await freePort();
  await server.api('POST', '/api/v1/services', { name: 'api' });
  await server.api('POST', '/api/v1/environments', { name: 'staging' });
  await server.api('POST', '/api/v1/services/api/artifacts', { version: '1', digest: v1.digest });
  await server.api('POST', '/api/v1/services/api/artifacts', { version: '2', digest: v2.digest });
  await server.api('POST', '/api/v1/services/api/artifacts', { version: '3', digest: v3.digest });
  await server.api('PUT', '/api/v1/services/api/run-spec', { ...runSpec(), rolling: { maxSurge: 1 } });
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
const runSpec = () => ({
  port, artifact: { url: `${artifacts.url}/{version}.tgz` }, command: ['node', 'app.mjs'], instances: 2,
  health: { path: '/health', intervalMs: 200, timeoutMs: 200 }, startTimeoutMs: 30_000,
});

interface AgentView { name: string; status: { services?: { service: string; versions: { version: string; state: string; instances?: { pid: number | null }[] }[] }[] } }
const agentViews = async () => (await server.api<{ items: AgentView[] }>('GET', '/api/v1/agents?environment=staging')).items;
const versionsOn = (a: AgentView) => (a.status.services?.find((s) => s.service === 'api')?.versions ?? []);
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Asks a router every 50 ms until stopped: when it answered what (a version, a status, or a connection error). */
function sample(url: string) {
  const seen: { at: number; answer: string }[] = [];
  let on = true;
  const done = (async () => {
    while (on) {
      const at = Date.now();
      try {
        const h = await hit(url);
        seen.push({ at, answer: h.status === 200 ? `v${h.version}` : String(h.status) });
      } catch (error) {
        seen.push({ at, answer: `error ${(error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : (error as Error).message}` });
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  return { seen, stop: async () => { on = false; await done; return seen; } };
}

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

  it('in place (maxSurge 0, maxUnavailable 1): host by host, the old version gone before the new one starts, the router answering 503 meanwhile', async () => {
    const before = await agentViews();
    const oldPids = before.flatMap((a) => versionsOn(a).flatMap((v) => (v.instances ?? []).map((i) => i.pid))).filter((p): p is number => typeof p === 'number');
    expect(oldPids.length).toBeGreaterThanOrEqual(4);
    await server.api('PUT', '/api/v1/services/api/run-spec', { ...runSpec(), rolling: { maxSurge: 0, maxUnavailable: 1 } });
    const a = sample(router('127.0.0.2'));
    const b = sample(router('127.0.0.3'));
    const d = await server.api<Deployment>('POST', '/api/v1/deployments', { service: 'api', environment: 'staging', version: '3', driver: 'agent', strategy: 'rolling' });
    const done = await waitFor(`deployment ${d.id}`, () => deployment(d.id), (x) => ['succeeded', 'failed', 'rolled-back'].includes(x.state), 60_000);
    await waitFor('host-b serving 3', () => hit(router('127.0.0.3')), (h) => h.version === '3', 10_000);
    const [seenA, seenB] = await Promise.all([a.stop(), b.stop()]);
    expect(done.state, done.message ?? '').toBe('succeeded');
    expect(done.progress!.steps.slice(0, 2)).toEqual(['replace on 1 target(s) (batch 1 of 2, in place)', 'replace on 1 target(s) (batch 2 of 2, in place)']);

    // Each host: version 2, then 503 (its router kept listening with nothing to serve), then version 3 — never back.
    const phases = (seen: { answer: string }[]) => seen.map((s) => s.answer).filter((x, i, all) => i === 0 || all[i - 1] !== x);
    expect(phases(seenA), JSON.stringify(phases(seenA))).toEqual(['v2', '503', 'v3']);
    expect(phases(seenB), JSON.stringify(phases(seenB))).toEqual(['v2', '503', 'v3']);
    // Host by host: host-b served version 2 until host-a served version 3. Samples come every
    // 50 ms, so host-a's switch time is known only as "after the start of its last answer that
    // was not version 3"; host-b must not have gone vacant before that.
    const firstA3 = seenA.findIndex((s) => s.answer === 'v3');
    const lastANot3 = seenA[firstA3 - 1]!.at;
    const firstBOut = seenB.find((s) => s.answer !== 'v2')!.at;
    expect(firstBOut).toBeGreaterThanOrEqual(lastANot3);
    expect(seenB.filter((s) => s.at < lastANot3).every((s) => s.answer === 'v2')).toBe(true);

    // Only version 3 on both hosts: in the agents' reports, and no process of version 2 left behind.
    const after = await waitFor('only version 3 reported', agentViews, (list) => list.length === 2 && list.every((x) => versionsOn(x).map((v) => v.version).join() === '3'), 10_000);
    expect(after.map((x) => versionsOn(x)[0]!.state)).toEqual(['ready', 'ready']);
    await waitFor('the processes of version 2 to exit', async () => oldPids.filter(alive), (left) => left.length === 0, 10_000);
  }, 90_000);
});
