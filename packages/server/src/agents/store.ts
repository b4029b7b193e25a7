import type { Queryable } from '../db/database.js';
import type { Placement } from './placement.js';

export interface AgentRow {
  id: string;
  environment: string;
  name: string;
  hostname: string;
  version: string;
  token_id: string | null;
  registered_at: Date;
  last_seen_at: Date;
  applied_revision: number;
  status: AgentStatusReport;
}

export interface VersionReport {
  version: string;
  state: 'fetching' | 'starting' | 'ready' | 'failed' | 'stopping';
  healthyInstances: number;
  instances?: unknown[];
  error?: string | null;
}

export interface RouterCounters {
  requests: number;
  errors5xx: number;
  latencyMs?: { buckets: number[]; counts: number[] };
}

export interface ServiceReport {
  service: string;
  routesRevision?: number;
  routes?: { versions: { version: string; weight: number }[] };
  versions: VersionReport[];
  router?: { versions: Record<string, RouterCounters> };
}

export interface AgentStatusReport {
  desiredRevision?: number;
  services: ServiceReport[];
}

export const agentStore = {
  async upsert(q: Queryable, a: { id: string; environment: string; name: string; hostname: string; version: string; tokenId: string | null }): Promise<{ row: AgentRow; created: boolean }> {
    const { rows } = await q.query<AgentRow & { inserted: boolean }>(
      `INSERT INTO agents (id, environment, name, hostname, version, token_id) VALUES ($1,$2,$3,$4,$5,$6)
       ON CONFLICT (environment, name) DO UPDATE SET hostname = EXCLUDED.hostname, version = EXCLUDED.version, token_id = EXCLUDED.token_id, last_seen_at = now()
       RETURNING *, (xmax = 0) AS inserted`, [a.id, a.environment, a.name, a.hostname, a.version, a.tokenId]);
    const { inserted, ...row } = rows[0]!;
    return { row, created: inserted };
  },
  async get(q: Queryable, id: string): Promise<AgentRow | undefined> {
    return (await q.query<AgentRow>('SELECT * FROM agents WHERE id = $1', [id])).rows[0];
  },
  async inEnvironment(q: Queryable, environment: string): Promise<AgentRow[]> {
    return (await q.query<AgentRow>('SELECT * FROM agents WHERE environment = $1 ORDER BY name', [environment])).rows;
  },
  async report(q: Queryable, id: string, status: AgentStatusReport): Promise<void> {
    await q.query('UPDATE agents SET status = $2, applied_revision = $3, last_seen_at = now() WHERE id = $1',
      [id, JSON.stringify(status), status.desiredRevision ?? 0]);
  },
  async addSamples(q: Queryable, agentId: string, samples: { service: string; version: string; c: RouterCounters }[]): Promise<void> {
    if (samples.length === 0) return;
    await q.query(
      `INSERT INTO router_samples (agent_id, service, version, requests, errors, latency)
       SELECT $1, s.service, s.version, s.requests, s.errors, s.latency FROM json_to_recordset($2) AS s(service text, version text, requests bigint, errors bigint, latency jsonb)`,
      [agentId, JSON.stringify(samples.map((s) => ({ service: s.service, version: s.version, requests: s.c.requests, errors: s.c.errors5xx, latency: s.c.latencyMs ?? null })))]);
  },
  async samples(q: Queryable, service: string, since: Date): Promise<{ agent_id: string; version: string; at: Date; requests: number; errors: number; latency: { buckets: number[]; counts: number[] } | null }[]> {
    return (await q.query<{ agent_id: string; version: string; at: Date; requests: number; errors: number; latency: { buckets: number[]; counts: number[] } | null }>(
      'SELECT agent_id, version, at, requests, errors, latency FROM router_samples WHERE service = $1 AND at >= $2 ORDER BY at', [service, since])).rows;
  },
  async pruneSamples(q: Queryable, before: Date): Promise<void> {
    await q.query('DELETE FROM router_samples WHERE at < $1', [before]);
  },
  async placement(q: Queryable, environment: string, service: string, forUpdate = false): Promise<{ seq: number; state: Placement } | undefined> {
    return (await q.query<{ seq: number; state: Placement }>(
      `SELECT seq, state FROM placements WHERE environment = $1 AND service = $2${forUpdate ? ' FOR UPDATE' : ''}`, [environment, service])).rows[0];
  },
  async placements(q: Queryable, environment: string): Promise<{ service: string; seq: number; state: Placement }[]> {
    return (await q.query<{ service: string; seq: number; state: Placement }>('SELECT service, seq, state FROM placements WHERE environment = $1 ORDER BY service', [environment])).rows;
  },
  async putPlacement(q: Queryable, environment: string, service: string, state: Placement): Promise<number> {
    const { rows } = await q.query<{ seq: number }>(
      `INSERT INTO placements (environment, service, seq, state) VALUES ($1, $2, nextval('placement_seq'), $3)
       ON CONFLICT (environment, service) DO UPDATE SET seq = nextval('placement_seq'), state = EXCLUDED.state, updated_at = now() RETURNING seq`,
      [environment, service, JSON.stringify(state)]);
    return rows[0]!.seq;
  },
  async revision(q: Queryable, environment: string): Promise<number> {
    return (await q.query<{ r: number | null }>('SELECT max(seq) AS r FROM placements WHERE environment = $1', [environment])).rows[0]!.r ?? 0;
  },
};
