import type { SegmentRule } from '@gantry/core';
import type { Queryable } from '../db/database.js';

export interface SegmentRow {
  environment: string;
  key: string;
  description: string;
  included: string[];
  excluded: string[];
  rules: SegmentRule[];
  revision: number;
  created_at: Date;
  updated_at: Date;
}

export interface SegmentFields {
  description: string;
  included: string[];
  excluded: string[];
  rules: SegmentRule[];
}

export const segmentStore = {
  async insert(q: Queryable, environment: string, key: string, s: SegmentFields): Promise<SegmentRow | undefined> {
    const { rows } = await q.query<SegmentRow>(
      `INSERT INTO segments (environment, key, description, included, excluded, rules) VALUES ($1,$2,$3,$4,$5,$6)
       ON CONFLICT (environment, key) DO NOTHING RETURNING *`,
      [environment, key, s.description, JSON.stringify(s.included), JSON.stringify(s.excluded), JSON.stringify(s.rules)]);
    return rows[0];
  },
  async get(q: Queryable, environment: string, key: string, forUpdate = false): Promise<SegmentRow | undefined> {
    return (await q.query<SegmentRow>(`SELECT * FROM segments WHERE environment = $1 AND key = $2${forUpdate ? ' FOR UPDATE' : ''}`, [environment, key])).rows[0];
  },
  async list(q: Queryable, environment: string): Promise<SegmentRow[]> {
    return (await q.query<SegmentRow>('SELECT * FROM segments WHERE environment = $1 ORDER BY key', [environment])).rows;
  },
  async keys(q: Queryable, environment: string): Promise<Set<string>> {
    return new Set((await q.query<{ key: string }>('SELECT key FROM segments WHERE environment = $1', [environment])).rows.map((r) => r.key));
  },
  async update(q: Queryable, environment: string, key: string, revision: number | undefined, s: SegmentFields): Promise<SegmentRow | undefined> {
    const { rows } = await q.query<SegmentRow>(
      `UPDATE segments SET description = $4, included = $5, excluded = $6, rules = $7, revision = revision + 1, updated_at = now()
       WHERE environment = $1 AND key = $2 AND ($3::int IS NULL OR revision = $3) RETURNING *`,
      [environment, key, revision ?? null, s.description, JSON.stringify(s.included), JSON.stringify(s.excluded), JSON.stringify(s.rules)]);
    return rows[0];
  },
  async remove(q: Queryable, environment: string, key: string): Promise<void> {
    await q.query('DELETE FROM segments WHERE environment = $1 AND key = $2', [environment, key]);
  },
};
