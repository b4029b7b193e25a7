import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../app.js';
import { digest, seedWorld, testApp, type TestApp } from '../test-support/harness.js';
import type { Plan } from './plans.js';

/**
 * Rolling deployments through the controller, on the real database, with three simulated agents
 * that talk the agent protocol (desired state, status reports) and converge the way `gantry agent`
 * does: a version with traffic that is not healthy keeps the table in force, a version no longer
 * desired and no longer routed leaves, a service absent from the desired state leaves entirely.
 */
let t: TestApp;
let app: FastifyInstance;
const service = 'checkout-api';
const environment = 'staging';

type VersionState = 'fetching' | 'starting' | 'ready' | 'failed' | 'stopping';
interface DesiredService { service: string; versions: { version: string; run: { instances: number } }[]; routes: { versions: { version: string; weight: number }[] } }

class SimAgent {
  id = '';
  token = '';
  /** What this host was asked to run for the service, one entry per change: "1.4.0", "1.4.0+1.4.1", "vacant" (listed, no version), "absent". */
  readonly history: string[] = [];
  /** The state a version reaches when it is started here. */
  outcome = new Map<string, VersionState>();
  /** Versions that, once no longer desired, stay `stopping` until released. */
  lingering = new Set<string>();
  private running = new Map<string, VersionState>();
  private table: { version: string; weight: number }[] = [];
  private revision = 0;
  private listed = false;

  constructor(readonly name: string) {}

  async register(): Promise<void> {
    this.token = await t.token(`agent:${environment}`, `${this.name}-token`);
    const res = await app.inject({ method: 'POST', url: '/api/v1/agents', headers: { authorization: `Bearer ${this.token}` }, payload: { name: this.name } });
    this.id = res.json<{ id: string }>().id;
  }

  /** One round: read the desired state, converge at once, report. */
  async pump(): Promise<void> {
    const res = await app.inject({ method: 'GET', url: `/api/v1/agents/${this.id}/desired`, headers: { authorization: `Bearer ${this.token}` } });
    if (res.statusCode !== 200) return;
    const desired = res.json<{ revision: number; services: DesiredService[] }>();
    const ds = desired.services.find((s) => s.service === service);
    const seen = !ds ? 'absent' : ds.versions.length === 0 ? 'vacant' : ds.versions.map((v) => v.version).join('+');
    if (this.history.at(-1) !== seen) this.history.push(seen);
    this.revision = desired.revision;
    this.listed = ds !== undefined;
    const wanted = new Set(ds?.versions.map((v) => v.version) ?? []);
    for (const v of wanted) if (!this.running.has(v)) this.running.set(v, this.outcome.get(v) ?? 'ready');
    if (ds) {
      const routable = ds.routes.versions.every((r) => r.weight === 0 || this.running.get(r.version) === 'ready');
      if (routable) this.table = ds.routes.versions.filter((r) => this.running.get(r.version) === 'ready');
    } else {
      this.table = [];
    }
    for (const v of [...this.running.keys()]) {
      if (wanted.has(v) || this.table.some((r) => r.version === v)) continue;
      if (this.lingering.has(v)) this.running.set(v, 'stopping');
      else this.running.delete(v);
    }
    const services = this.listed || this.running.size > 0 ? [{
      service, routesRevision: this.revision, routes: { versions: this.table },
      versions: [...this.running].map(([version, state]) => ({ version, state, healthyInstances: state === 'ready' ? 1 : 0, ...(state === 'failed' ? { error: 'never healthy' } : {}) })),
    }] : [];
    await app.inject({ method: 'POST', url: `/api/v1/agents/${this.id}/status`, headers: { authorization: `Bearer ${this.token}` }, payload: { desiredRevision: this.revision, services } });
  }

  /** Let a lingering version go. */
  release(version: string): void {
    this.lingering.delete(version);
  }

  /** A version that was `starting` here turns healthy. */
  becomes(version: string, state: VersionState): void {
    if (this.running.has(version)) this.running.set(version, state);
  }
}

const hosts = [new SimAgent('host-a'), new SimAgent('host-b'), new SimAgent('host-c')];
let pumping = true;
let pumps: Promise<void> | undefined;

function startPumping(): void {
  pumping = true;
  pumps = (async () => {
    while (pumping) {
      for (const h of hosts) await h.pump().catch(() => {});
      await new Promise((r) => setTimeout(r, 30));
    }
  })();
}
async function stopPumping(): Promise<void> {
  pumping = false;
  await pumps;
}

interface Deployment { id: number; state: string; message: string | null; progress: { step: number; steps: string[] } | null }
const call = async <T>(method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown): Promise<T> => {
  const res = await app.inject({ method, url, headers: { authorization: `Bearer ${t.adminToken}` }, ...(payload !== undefined ? { payload: payload as object } : {}) });
  if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
  return res.json<T>();
};
const deployment = (id: number) => call<Deployment>('GET', `/api/v1/deployments/${id}`);
const logs = async (id: number) => (await call<{ items: { message: string }[] }>('GET', `/api/v1/deployments/${id}/logs?limit=500`)).items.map((l) => l.message);
const finished = (d: Deployment) => ['succeeded', 'failed', 'rolled-back'].includes(d.state);

async function until<T>(what: string, read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(v).slice(0, 1000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function deploy(version: string, rolling: Record<string, number>): Promise<number> {
  await call('PUT', `/api/v1/services/${service}/run-spec`, { port: 18080, artifact: { url: 'https://artifacts.example.com/{version}.tgz' }, command: 'node app.js', rolling });
  for (const h of hosts) h.history.splice(0, h.history.length - 1); // from what each host runs now
  const d = await call<Deployment>('POST', '/api/v1/deployments', { service, environment, version, driver: 'agent', strategy: 'rolling' });
  return d.id;
}

const placement = async () => (await t.db.query<{ state: { versions: { version: string; targets: string[] | 'all' }[]; vacant?: string[] } }>(
  'SELECT state FROM placements WHERE environment = $1 AND service = $2', [environment, service])).rows[0]!.state;

/** Stop the server's controller and start another on the same database, as a restart does. */
async function restart(): Promise<void> {
  await stopPumping();
  if (app !== t.app) await app.close();
  else await t.app.close();
  app = (await buildApp({ db: t.db, databaseUrl: t.url, timings: { schedulerMs: 200 } })).app;
  await app.ready();
  startPumping();
}

beforeAll(async () => {
  t = await testApp();
  app = t.app;
  await seedWorld(t);
  for (const version of ['1.5.0', '1.6.0', '1.7.0']) await call('POST', `/api/v1/services/${service}/artifacts`, { version, digest: digest(version) });
  for (const h of hosts) await h.register();
  startPumping();
  const first = await deploy('1.4.0', {});
  const done = await until('the first deployment', () => deployment(first), finished);
  expect(done.state, done.message ?? '').toBe('succeeded');
}, 60_000);

afterAll(async () => {
  await stopPumping();
  // After a restart the harness's app is closed already; it still drops the database.
  if (app !== t.app) await app.close();
  await t.close();
});

describe('rolling: maxSurge and maxUnavailable, counted in targets', () => {
  it('mixed (maxSurge 1, maxUnavailable 1): the surge host runs both for a while, the in-place host never does', async () => {
    const id = await deploy('1.4.1', { maxSurge: 1, maxUnavailable: 1 });
    const done = await until(`deployment ${id}`, () => deployment(id), finished);
    expect(done.state, done.message ?? '').toBe('succeeded');
    expect(done.progress!.steps).toEqual([
      'replace on 2 target(s) (batch 1 of 2, 1 beside the old version and 1 in place)',
      'replace on 1 target(s) (batch 2 of 2)',
      'switch all traffic to the new version',
      'stop the old version',
    ]);
    expect(hosts[0]!.history).toEqual(['1.4.0', '1.4.0+1.4.1', '1.4.1']);
    expect(hosts[1]!.history).toEqual(['1.4.0', 'vacant', '1.4.1']);
    expect(hosts[2]!.history).toEqual(['1.4.0', '1.4.0+1.4.1', '1.4.1']);
    const lines = await logs(id);
    expect(lines).toContain('batch 1/2: old version gone from host-b, new version starting there');
    expect(lines).toContain('batch 1/2: new version healthy on host-a, old version leaving');
    // The second batch began only after the first was finished on both its hosts.
    const batch2 = lines.findIndex((l) => l.startsWith('step 2/4'));
    expect(batch2).toBeGreaterThan(lines.indexOf('batch 1/2: old version gone from host-b, new version starting there'));
    expect(batch2).toBeGreaterThan(lines.indexOf('batch 1/2: new version healthy on host-a, old version leaving'));
    const p = await placement();
    expect(p.versions.map((v) => v.version)).toEqual(['1.4.1']);
    expect(p.vacant).toBeUndefined();
  });

  it('in place, host by host (maxSurge 0, maxUnavailable 1), waiting for the old version to be gone before the new one comes', async () => {
    hosts[0]!.lingering.add('1.4.1');
    const id = await deploy('1.4.2', { maxSurge: 0, maxUnavailable: 1 });
    // host-a still reports 1.4.1 (draining): the new version is not placed there yet.
    await until('host-a vacant', async () => hosts[0]!.history, (h) => h.includes('vacant'));
    await new Promise((r) => setTimeout(r, 700));
    expect(hosts[0]!.history).toEqual(['1.4.1', 'vacant']);
    expect((await deployment(id)).progress!.step).toBe(0);
    hosts[0]!.release('1.4.1');
    const done = await until(`deployment ${id}`, () => deployment(id), finished);
    expect(done.state, done.message ?? '').toBe('succeeded');
    for (const h of hosts) expect(h.history, h.name).toEqual(['1.4.1', 'vacant', '1.4.2']);
    expect(done.progress!.steps.filter((s) => s.endsWith(', in place)'))).toHaveLength(3);
  });

  it('a failed in-place batch rolls back: the old version is placed on the host again', async () => {
    hosts[1]!.outcome.set('1.5.0', 'failed');
    const id = await deploy('1.5.0', { maxSurge: 0, maxUnavailable: 1 });
    const done = await until(`deployment ${id}`, () => deployment(id), finished);
    expect(done.state).toBe('rolled-back');
    expect(done.message).toBe('rolled back to 1.4.2: checkout-api@1.5.0 failed on agent host-b: never healthy');
    await until('every host back on 1.4.2', async () => hosts.map((h) => h.history.at(-1)), (last) => last.every((v) => v === '1.4.2'));
    expect(hosts[0]!.history).toEqual(['1.4.2', 'vacant', '1.5.0', '1.4.2']);
    expect(hosts[1]!.history).toEqual(['1.4.2', 'vacant', '1.5.0', '1.4.2']);
    expect(hosts[2]!.history).toEqual(['1.4.2']);
    const p = await placement();
    expect(p.versions.map((v) => [v.version, v.targets])).toEqual([['1.4.2', expect.anything()]]);
    expect(p.vacant).toBeUndefined();
  });

  it('resumes an in-place batch after a restart from the row: the batch is not entered again', async () => {
    hosts[0]!.outcome.set('1.6.0', 'starting');
    const id = await deploy('1.6.0', { maxSurge: 0, maxUnavailable: 1 });
    await until('1.6.0 placed on host-a', async () => hosts[0]!.history, (h) => h.at(-1) === '1.6.0');
    await restart();
    hosts[0]!.outcome.delete('1.6.0');
    hosts[0]!.becomes('1.6.0', 'ready');
    const done = await until(`deployment ${id}`, () => deployment(id), finished);
    expect(done.state, done.message ?? '').toBe('succeeded');
    const lines = await logs(id);
    expect(lines.filter((l) => l.startsWith('step 1/'))).toHaveLength(1);
    expect(lines.filter((l) => l.startsWith('batch 1/3: old version gone from host-a'))).toHaveLength(1);
    for (const h of hosts) expect(h.history, h.name).toEqual(['1.4.2', 'vacant', '1.6.0']);
  });

  it('finishes a deployment whose plan was stored before maxSurge existed (no inPlace, `phase` marking the retired batch)', async () => {
    hosts[0]!.lingering.add('1.6.0');
    const id = await deploy('1.7.0', {});
    await until('1.6.0 leaving host-a', () => logs(id), (l) => l.includes('batch 1/3: new version healthy on host-a, old version leaving'));
    await stopPumping();
    // Rewrite the stored plan into the old shape: batch steps without inPlace, and `phase` for progress.
    const row = (await t.db.query<{ plan: Plan; step: number }>('SELECT plan, step FROM deployments WHERE id = $1', [id])).rows[0]!;
    const old = { ...row.plan, steps: row.plan.steps.map((s) => (s.type === 'batch' ? { type: 'batch', targets: s.targets, index: s.index, of: s.of } : s)), phase: row.step };
    delete (old as Partial<Plan>).batch;
    await t.db.query('UPDATE deployments SET plan = $2 WHERE id = $1', [id, JSON.stringify(old)]);
    await restart();
    hosts[0]!.release('1.6.0');
    const done = await until(`deployment ${id}`, () => deployment(id), finished);
    expect(done.state, done.message ?? '').toBe('succeeded');
    expect((await logs(id)).filter((l) => l.includes('old version leaving'))).toHaveLength(3);
    for (const h of hosts) expect(h.history, h.name).toEqual(['1.6.0', '1.6.0+1.7.0', '1.7.0']);
  });
});
