import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { AuditService } from '../audit/service.js';
import type { Database, Queryable } from '../db/database.js';
import type { Caller } from '../http/auth.js';
import { ForbiddenError, NotFoundError } from '../http/errors.js';
import { routesFor, runsOn, type Placement, type PlacementRoutes, type PlacementVersion } from './placement.js';
import { agentStore, type AgentRow, type AgentStatusReport, type ServiceReport } from './store.js';

export const placementChannel = 'gantry_placement';
/** An agent that has not reported for this long is not waited for. */
export const liveWindowMs = 30_000;

export interface Agent {
  id: string;
  environment: string;
  name: string;
  hostname: string;
  version: string;
  registeredAt: string;
  lastSeenAt: string;
  live: boolean;
  appliedRevision: number;
  status: AgentStatusReport;
}

export interface DesiredState {
  revision: number;
  services: {
    service: string;
    port: number;
    versions: Omit<PlacementVersion, 'targets'>[];
    routes: PlacementRoutes;
    drainTimeoutMs: number;
  }[];
}

export interface AgentsService {
  register(caller: Caller, input: { name: string; hostname?: string; version?: string }): Promise<{ agent: Agent; created: boolean }>;
  list(environment?: string): Promise<Agent[]>;
  /** Long poll: resolves at once when the revision differs from `known`, else when it changes or at the deadline. */
  desired(caller: Caller, id: string, known: number | undefined, waitMs: number): Promise<DesiredState | undefined>;
  report(caller: Caller, id: string, status: AgentStatusReport): Promise<void>;
  own(caller: Caller, id: string): Promise<AgentRow>;
  placement(q: Queryable, environment: string, service: string, forUpdate?: boolean): Promise<Placement | undefined>;
  setPlacement(q: Queryable, environment: string, service: string, placement: Placement): Promise<number>;
  live(q: Queryable, environment: string): Promise<Agent[]>;
  samples(q: Queryable, service: string, since: Date): ReturnType<typeof agentStore.samples>;
  pruneSamples(q: Queryable, before: Date): Promise<void>;
  start(connectionString: string): Promise<void>;
  stop(): Promise<void>;
}

export function createAgentsService(db: Database, audit: AuditService): AgentsService {
  const waiters = new Map<string, Set<() => void>>();
  let listener: pg.Client | undefined;
  let stopped = false;

  const wake = (environment: string) => {
    const set = waiters.get(environment);
    if (!set) return;
    waiters.delete(environment);
    for (const w of set) w();
  };

  async function desiredFor(row: AgentRow): Promise<DesiredState> {
    const placements = await agentStore.placements(db, row.environment);
    const services: DesiredState['services'] = [];
    for (const p of placements) {
      const mine = p.state.versions.filter((v) => runsOn(v, row.id));
      // A vacant agent keeps the service with no version: its router stays up and answers 503
      // while the old version drains and stops; the agent reports it gone, then the new one comes.
      if (mine.length === 0 && !(p.state.vacant ?? []).includes(row.id)) continue;
      services.push({
        service: p.service, port: p.state.port, drainTimeoutMs: p.state.drainTimeoutMs,
        versions: mine.map(({ targets: _targets, ...v }) => v),
        routes: routesFor(p.state, mine.map((v) => v.version)),
      });
    }
    return { revision: placements.reduce((m, p) => Math.max(m, Number(p.seq)), 0), services };
  }

  async function own(caller: Caller, id: string): Promise<AgentRow> {
    const row = await agentStore.get(db, id);
    if (!row) throw new NotFoundError('agent', id);
    if (row.environment !== caller.actor.environment) throw new ForbiddenError(`agent ${id} belongs to environment ${row.environment}, not to this token's`);
    return row;
  }

  return {
    own,
    async register(caller, input) {
      const environment = caller.actor.environment!;
      return db.tx(async (q) => {
        const { row, created } = await agentStore.upsert(q, {
          id: randomUUID(), environment, name: input.name, hostname: input.hostname ?? '', version: input.version ?? '', tokenId: caller.actor.tokenId || null,
        });
        const agent = toAgent(row);
        if (created) await audit.record(q, caller, 'agent.registered', { type: 'agent', id: row.id }, null, agent);
        return { agent, created };
      });
    },
    async list(environment) {
      const rows = environment ? await agentStore.inEnvironment(db, environment)
        : (await db.query<AgentRow>('SELECT * FROM agents ORDER BY environment, name')).rows;
      return rows.map(toAgent);
    },
    async desired(caller, id, known, waitMs) {
      const row = await own(caller, id);
      const deadline = Date.now() + waitMs;
      for (;;) {
        const revision = await agentStore.revision(db, row.environment);
        if (revision !== known) return desiredFor(row);
        const left = deadline - Date.now();
        if (left <= 0 || stopped) return undefined;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(done, left);
          function done() {
            clearTimeout(timer);
            waiters.get(row.environment)?.delete(done);
            resolve();
          }
          let set = waiters.get(row.environment);
          if (!set) waiters.set(row.environment, (set = new Set()));
          set.add(done);
        });
      }
    },
    async report(caller, id, status) {
      await own(caller, id);
      await db.tx(async (q) => {
        await agentStore.report(q, id, status);
        const samples = status.services.flatMap((s: ServiceReport) => Object.entries(s.router?.versions ?? {}).map(([version, c]) => ({ service: s.service, version, c })));
        await agentStore.addSamples(q, id, samples);
      });
    },
    placement: async (q, environment, service, forUpdate) => (await agentStore.placement(q, environment, service, forUpdate))?.state,
    async setPlacement(q, environment, service, placement) {
      const seq = await agentStore.putPlacement(q, environment, service, placement);
      await q.query('SELECT pg_notify($1, $2)', [placementChannel, environment]);
      return seq;
    },
    async live(q, environment) {
      const rows = await agentStore.inEnvironment(q, environment);
      return rows.map(toAgent).filter((a) => a.live);
    },
    samples: (q, service, since) => agentStore.samples(q, service, since),
    pruneSamples: (q, before) => agentStore.pruneSamples(q, before),
    async start(connectionString) {
      const client = new pg.Client({ connectionString, application_name: 'gantry-agents' });
      client.on('notification', (m) => { if (m.channel === placementChannel && m.payload) wake(m.payload); });
      client.on('error', () => {});
      client.on('end', () => {
        listener = undefined;
        // Missed notifications only delay agents until their long poll times out; listen again.
        if (!stopped) setTimeout(() => void this.start(connectionString).catch(() => {}), 1000).unref();
      });
      await client.connect();
      await client.query(`LISTEN ${placementChannel}`);
      listener = client;
    },
    async stop() {
      stopped = true;
      for (const env of [...waiters.keys()]) wake(env);
      await listener?.end().catch(() => {});
    },
  };
}

function toAgent(r: AgentRow): Agent {
  return {
    id: r.id, environment: r.environment, name: r.name, hostname: r.hostname, version: r.version,
    registeredAt: r.registered_at.toISOString(), lastSeenAt: r.last_seen_at.toISOString(),
    live: Date.now() - r.last_seen_at.getTime() < liveWindowMs, appliedRevision: Number(r.applied_revision), status: r.status,
  };
}
