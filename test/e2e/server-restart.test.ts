import { createServer } from 'node:net';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgent, type Agent } from '../../packages/agent/src/index.js';
import { freshDatabase } from '../../packages/server/src/test-support/harness.js';
import { spawnServer, type ServerProcess } from '../../packages/server/src/test-support/server-process.js';
import { artifactServer, hit, load, packVersion, tempDir, waitFor } from './harness.js';

/**
 * The server is killed with SIGKILL in the middle of a canary: the agent keeps routing, and the
 * restarted server's controller resumes the deployment from the step stored in PostgreSQL.
 */
const adminToken = 'gnt_e2e_server_restart_admin_0001';
let database: Awaited<ReturnType<typeof freshDatabase>>;
let server: ServerProcess;
let port: number;
let url: string;
let agent: Agent;
let artifacts: { url: string; close(): Promise<void> };
const dirs: string[] = [];

const freePort = () => new Promise<number>((resolve) => {
  const s = createServer().listen(0, '127.0.0.1', () => { const { port: p } = s.address() as { port: number }; s.close(() => resolve(p)); });
});
const api = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
  const res = await fetch(`${url}${path}`, { method, headers: { authorization: `Bearer ${adminToken}`, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return JSON.parse(text) as T;
};

beforeAll(async () => {
  database = await freshDatabase();
  const apiPort = await freePort();
  server = await spawnServer({ databaseUrl: database.url, adminToken, port: apiPort });
  url = server.url;
  const dir = tempDir('gantry-e2e-restart-');
  dirs.push(dir);
  const v1 = packVersion(dir, { version: '1' });
  const v2 = packVersion(dir, { version: '2' });
  artifacts = await artifactServer(dir);
  port = await freePort();
  await api('POST', '/api/v1/services', { name: 'shop' });
  await api('POST', '/api/v1/environments', { name: 'production' });
  await api('POST', '/api/v1/services/shop/artifacts', { version: '1', digest: v1.digest });
  await api('POST', '/api/v1/services/shop/artifacts', { version: '2', digest: v2.digest });
  await api('PUT', '/api/v1/services/shop/run-spec', {
    port, artifact: { url: `${artifacts.url}/{version}.tgz` }, command: ['node', 'app.mjs'], health: { path: '/health', intervalMs: 200, timeoutMs: 200 },
    canary: { steps: [{ setWeight: 50 }, { pause: { durationMs: 4000 } }] },
  });
  const { secret } = await api<{ secret: string }>('POST', '/api/v1/tokens', { name: 'host-1', scope: 'agent:production' });
  const stateDir = tempDir('gantry-e2e-restart-agent-');
  dirs.push(stateDir);
  agent = createAgent({ server: url, token: secret, name: 'host-1', stateDir, reportIntervalMs: 300, maxBackoffMs: 500, pollWaitSeconds: 5 });
  await agent.start();
  const first = await api<{ id: number }>('POST', '/api/v1/deployments', { service: 'shop', environment: 'production', version: '1', driver: 'agent' });
  await waitFor('version 1', () => api<{ state: string }>('GET', `/api/v1/deployments/${first.id}`), (d) => d.state === 'succeeded', 60_000);
}, 120_000);

afterAll(async () => {
  await agent?.stop();
  server?.child.kill('SIGTERM');
  await server?.exited;
  await database?.drop();
  await artifacts?.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('a server killed during a canary', () => {
  it('resumes the canary after restart, and the router never stops serving', async () => {
    const routerUrl = `http://127.0.0.1:${port}/`;
    const d = await api<{ id: number }>('POST', '/api/v1/deployments', { service: 'shop', environment: 'production', version: '2', driver: 'agent', strategy: 'canary' });
    const traffic = load(routerUrl, 14_000, 4);
    await waitFor('the pause step', () => api<{ progress: { step: number } | null }>('GET', `/api/v1/deployments/${d.id}`), (x) => (x.progress?.step ?? 0) >= 2, 30_000);
    server.child.kill('SIGKILL');
    expect(await server.exited).toBe('SIGKILL');
    await new Promise((r) => setTimeout(r, 2000));
    server = await spawnServer({ databaseUrl: database.url, adminToken, port: Number(new URL(url).port) });
    const done = await waitFor('the canary to finish', () => api<{ state: string; message: string | null }>('GET', `/api/v1/deployments/${d.id}`),
      (x) => ['succeeded', 'failed', 'rolled-back'].includes(x.state), 60_000);
    expect(done.state, done.message ?? '').toBe('succeeded');
    const stats = await traffic;
    expect(stats.failed, stats.errors.join(', ')).toBe(0);
    expect(Object.keys(stats.byVersion).sort()).toEqual(['1', '2']);
    await waitFor('all traffic on 2', () => hit(routerUrl), (h) => h.version === '2', 10_000);
  }, 120_000);
});
