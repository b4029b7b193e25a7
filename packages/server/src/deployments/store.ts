import type { Queryable } from '../db/database.js';
import type { Plan } from './plans.js';
import type { DeploymentState } from './state-machine.js';

export interface DeploymentRow {
  id: number;
  service: string;
  environment: string;
  artifact_id: string;
  version: string;
  strategy: string;
  driver: string;
  state: DeploymentState;
  kind: 'deploy' | 'rollback';
  rollback_of: number | null;
  reason: string | null;
  override_reason: string | null;
  message: string | null;
  requested_by: string;
  requested_by_token: string | null;
  approved_by: string | null;
  revision: number;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  updated_at: Date;
  plan: (Plan & { abort?: string }) | null;
  step: number;
  step_started_at: Date | null;
  previous_version: string | null;
  analysis: unknown[];
}

export type NewDeployment = Pick<DeploymentRow,
  'service' | 'environment' | 'artifact_id' | 'version' | 'strategy' | 'driver' | 'state' | 'kind' | 'rollback_of' | 'reason' | 'override_reason' | 'requested_by' | 'requested_by_token'>;

export interface DeploymentFilter {
  service?: string;
  environment?: string;
  state?: DeploymentState;
  beforeId?: number;
  limit: number;
}

export interface LogRow {
  id: number;
  at: Date;
  level: string;
  message: string;
}

export const deploymentStore = {
  /** Serialises deployment decisions for one service in one environment. */
  async lockSlot(q: Queryable, service: string, environment: string): Promise<void> {
    await q.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`gantry:deploy:${service}/${environment}`]);
  },
  async insert(q: Queryable, d: NewDeployment): Promise<DeploymentRow> {
    const { rows } = await q.query<DeploymentRow>(
      `INSERT INTO deployments (service, environment, artifact_id, version, strategy, driver, state, kind, rollback_of, reason, override_reason, requested_by, requested_by_token)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13) RETURNING *`,
      [d.service, d.environment, d.artifact_id, d.version, d.strategy, d.driver, d.state, d.kind, d.rollback_of, d.reason, d.override_reason, d.requested_by, d.requested_by_token]);
    return rows[0]!;
  },
  async get(q: Queryable, id: number, forUpdate = false): Promise<DeploymentRow | undefined> {
    return (await q.query<DeploymentRow>(`SELECT * FROM deployments WHERE id = $1${forUpdate ? ' FOR UPDATE' : ''}`, [id])).rows[0];
  },
  async active(q: Queryable, service: string, environment: string): Promise<DeploymentRow | undefined> {
    const { rows } = await q.query<DeploymentRow>(
      `SELECT * FROM deployments WHERE service = $1 AND environment = $2 AND state IN ('pending','approved','running','verifying')`, [service, environment]);
    return rows[0];
  },
  async oldestQueued(q: Queryable, service: string, environment: string): Promise<DeploymentRow | undefined> {
    const { rows } = await q.query<DeploymentRow>(
      `SELECT * FROM deployments WHERE service = $1 AND environment = $2 AND state = 'queued' ORDER BY id LIMIT 1 FOR UPDATE`, [service, environment]);
    return rows[0];
  },
  /** Successful deployments of one service in one environment, newest first. */
  async succeeded(q: Queryable, service: string, environment: string, limit = 50): Promise<DeploymentRow[]> {
    const { rows } = await q.query<DeploymentRow>(
      `SELECT * FROM deployments WHERE service = $1 AND environment = $2 AND state = 'succeeded' ORDER BY id DESC LIMIT $3`, [service, environment, limit]);
    return rows;
  },
  async hasSucceeded(q: Queryable, service: string, environment: string, version: string): Promise<boolean> {
    const { rows } = await q.query(
      `SELECT 1 FROM deployments WHERE service = $1 AND environment = $2 AND version = $3 AND state = 'succeeded' LIMIT 1`, [service, environment, version]);
    return rows.length > 0;
  },
  async list(q: Queryable, f: DeploymentFilter): Promise<DeploymentRow[]> {
    const { rows } = await q.query<DeploymentRow>(
      `SELECT * FROM deployments WHERE ($1::text IS NULL OR service = $1) AND ($2::text IS NULL OR environment = $2)
        AND ($3::text IS NULL OR state = $3) AND ($4::bigint IS NULL OR id < $4) ORDER BY id DESC LIMIT $5`,
      [f.service ?? null, f.environment ?? null, f.state ?? null, f.beforeId ?? null, f.limit + 1]);
    return rows;
  },
  async move(q: Queryable, id: number, state: DeploymentState, fields: { message?: string | null; approvedBy?: string }): Promise<DeploymentRow> {
    const { rows } = await q.query<DeploymentRow>(
      `UPDATE deployments SET state = $2, message = $3, approved_by = coalesce($4, approved_by),
         started_at = CASE WHEN $2 IN ('running','verifying','succeeded','failed','rolled-back') THEN coalesce(started_at, clock_timestamp()) ELSE started_at END,
         finished_at = CASE WHEN $2 IN ('succeeded','failed','rolled-back') THEN clock_timestamp() ELSE finished_at END,
         revision = revision + 1, updated_at = clock_timestamp()
       WHERE id = $1 RETURNING *`,
      [id, state, fields.message ?? null, fields.approvedBy ?? null]);
    return rows[0]!;
  },
  async setPlan(q: Queryable, id: number, plan: unknown, step: number, stepStartedAt: Date | null, previousVersion?: string | null): Promise<void> {
    await q.query(
      `UPDATE deployments SET plan = $2, step = $3, step_started_at = $4, previous_version = coalesce($5, previous_version), updated_at = clock_timestamp() WHERE id = $1`,
      [id, JSON.stringify(plan), step, stepStartedAt, previousVersion ?? null]);
  },
  async addAnalysis(q: Queryable, id: number, outcome: unknown): Promise<void> {
    await q.query(`UPDATE deployments SET analysis = analysis || $2::jsonb WHERE id = $1`, [id, JSON.stringify([outcome])]);
  },
  /** Deployments Gantry runs itself that are not finished, oldest first. */
  async controlled(q: Queryable): Promise<number[]> {
    return (await q.query<{ id: number }>(
      `SELECT id FROM deployments WHERE driver <> 'external' AND state IN ('approved', 'running', 'verifying') ORDER BY id`)).rows.map((r) => r.id);
  },
  async lockControlled(q: Queryable, id: number): Promise<DeploymentRow | undefined> {
    return (await q.query<DeploymentRow>(
      `SELECT * FROM deployments WHERE id = $1 AND state IN ('approved', 'running', 'verifying') FOR UPDATE SKIP LOCKED`, [id])).rows[0];
  },
  async countByState(q: Queryable): Promise<{ state: string; n: number }[]> {
    return (await q.query<{ state: string; n: number }>('SELECT state, count(*)::int AS n FROM deployments GROUP BY state')).rows;
  },
  async appendLog(q: Queryable, id: number, lines: { level: string; message: string }[]): Promise<void> {
    if (lines.length === 0) return;
    await q.query(
      'INSERT INTO deployment_logs (deployment_id, level, message) SELECT $1, l.level, l.message FROM json_to_recordset($2) AS l(level text, message text)',
      [id, JSON.stringify(lines)]);
  },
  async logs(q: Queryable, id: number, afterId: number, limit: number): Promise<LogRow[]> {
    return (await q.query<LogRow>(
      'SELECT id, at, level, message FROM deployment_logs WHERE deployment_id = $1 AND id > $2 ORDER BY id LIMIT $3', [id, afterId, limit])).rows;
  },
};
