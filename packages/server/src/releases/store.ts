import type { Queryable } from '../db/database.js';

export interface ReleaseRow {
  id: number;
  feature: string;
  environment: string;
  action: string;
  summary: string;
  reason: string | null;
  author: string;
  author_token: string | null;
  state: 'applied' | 'scheduled' | 'cancelled' | 'failed';
  scheduled_for: Date | null;
  before: unknown;
  after: unknown;
  request: unknown;
  error: string | null;
  created_at: Date;
  applied_at: Date | null;
}

export type NewRelease = Pick<ReleaseRow, 'feature' | 'environment' | 'action' | 'summary' | 'reason' | 'author' | 'author_token' | 'state' | 'scheduled_for' | 'before' | 'after' | 'request'>;

const json = (v: unknown) => (v === undefined || v === null ? null : JSON.stringify(v));

export const releaseStore = {
  async insert(q: Queryable, r: NewRelease): Promise<ReleaseRow> {
    const { rows } = await q.query<ReleaseRow>(
      `INSERT INTO releases (feature, environment, action, summary, reason, author, author_token, state, scheduled_for, before, after, request, applied_at)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12, CASE WHEN $8 = 'applied' THEN clock_timestamp() END) RETURNING *`,
      [r.feature, r.environment, r.action, r.summary, r.reason, r.author, r.author_token, r.state, r.scheduled_for, json(r.before), json(r.after), json(r.request)]);
    return rows[0]!;
  },
  async get(q: Queryable, id: number, forUpdate = false): Promise<ReleaseRow | undefined> {
    return (await q.query<ReleaseRow>(`SELECT * FROM releases WHERE id = $1${forUpdate ? ' FOR UPDATE' : ''}`, [id])).rows[0];
  },
  async finish(q: Queryable, id: number, state: ReleaseRow['state'], fields: { before?: unknown; after?: unknown; error?: string }): Promise<ReleaseRow> {
    const { rows } = await q.query<ReleaseRow>(
      `UPDATE releases SET state = $2, before = coalesce($3, before), after = coalesce($4, after), error = $5,
         applied_at = CASE WHEN $2 = 'applied' THEN clock_timestamp() ELSE applied_at END WHERE id = $1 RETURNING *`,
      [id, state, json(fields.before), json(fields.after), fields.error ?? null]);
    return rows[0]!;
  },
  /** Claims due scheduled releases; SKIP LOCKED lets several replicas run the scheduler safely. */
  async claimDue(q: Queryable, limit: number): Promise<ReleaseRow[]> {
    return (await q.query<ReleaseRow>(
      `SELECT * FROM releases WHERE state = 'scheduled' AND scheduled_for <= now() ORDER BY scheduled_for, id LIMIT $1 FOR UPDATE SKIP LOCKED`, [limit])).rows;
  },
  async list(q: Queryable, f: { feature?: string; environment?: string; state?: string; beforeId?: number; limit: number }): Promise<ReleaseRow[]> {
    return (await q.query<ReleaseRow>(
      `SELECT * FROM releases WHERE ($1::text IS NULL OR feature = $1) AND ($2::text IS NULL OR environment = $2)
         AND ($3::text IS NULL OR state = $3) AND ($4::bigint IS NULL OR id < $4) ORDER BY id DESC LIMIT $5`,
      [f.feature ?? null, f.environment ?? null, f.state ?? null, f.beforeId ?? null, f.limit + 1])).rows;
  },
};
