import type { FeatureEnvironmentConfig, Variation } from '@gantry/core';
import type { Queryable } from '../db/database.js';

export interface FeatureRow {
  key: string;
  description: string;
  owner: string;
  kind: string;
  type: string;
  variations: Variation[];
  salt: string;
  on_variation: number;
  off_variation: number;
  revision: number;
  created_at: Date;
  created_by: string;
  updated_at: Date;
}

export interface ConfigRow {
  feature: string;
  environment: string;
  config: FeatureEnvironmentConfig;
  revision: number;
  updated_at: Date;
  updated_by: string;
}

export const featureStore = {
  async insert(q: Queryable, f: Omit<FeatureRow, 'revision' | 'created_at' | 'updated_at'>): Promise<FeatureRow | undefined> {
    const { rows } = await q.query<FeatureRow>(
      `INSERT INTO features (key, description, owner, kind, type, variations, salt, on_variation, off_variation, created_by)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10) ON CONFLICT (key) DO NOTHING RETURNING *`,
      [f.key, f.description, f.owner, f.kind, f.type, JSON.stringify(f.variations), f.salt, f.on_variation, f.off_variation, f.created_by]);
    return rows[0];
  },
  async get(q: Queryable, key: string, forUpdate = false): Promise<FeatureRow | undefined> {
    return (await q.query<FeatureRow>(`SELECT * FROM features WHERE key = $1${forUpdate ? ' FOR UPDATE' : ''}`, [key])).rows[0];
  },
  async list(q: Queryable, after: string | undefined, limit: number): Promise<FeatureRow[]> {
    return (await q.query<FeatureRow>('SELECT * FROM features WHERE ($1::text IS NULL OR key > $1) ORDER BY key LIMIT $2', [after ?? null, limit])).rows;
  },
  async update(q: Queryable, key: string, revision: number | undefined, c: { description?: string; owner?: string; kind?: string }): Promise<FeatureRow | undefined> {
    const { rows } = await q.query<FeatureRow>(
      `UPDATE features SET description = coalesce($3, description), owner = coalesce($4, owner), kind = coalesce($5, kind),
         revision = revision + 1, updated_at = now()
       WHERE key = $1 AND ($2::int IS NULL OR revision = $2) RETURNING *`,
      [key, revision ?? null, c.description ?? null, c.owner ?? null, c.kind ?? null]);
    return rows[0];
  },
  async getConfig(q: Queryable, feature: string, environment: string, forUpdate = false): Promise<ConfigRow | undefined> {
    return (await q.query<ConfigRow>(
      `SELECT * FROM feature_configs WHERE feature = $1 AND environment = $2${forUpdate ? ' FOR UPDATE' : ''}`, [feature, environment])).rows[0];
  },
  async configsOf(q: Queryable, feature: string): Promise<ConfigRow[]> {
    return (await q.query<ConfigRow>('SELECT * FROM feature_configs WHERE feature = $1', [feature])).rows;
  },
  async configsOfMany(q: Queryable, features: string[]): Promise<ConfigRow[]> {
    return (await q.query<ConfigRow>('SELECT * FROM feature_configs WHERE feature = ANY($1)', [features])).rows;
  },
  async configsIn(q: Queryable, environment: string): Promise<ConfigRow[]> {
    return (await q.query<ConfigRow>('SELECT * FROM feature_configs WHERE environment = $1', [environment])).rows;
  },
  /** Writes a configuration when its revision is still `expected` (0: it does not exist yet). */
  async putConfig(q: Queryable, feature: string, environment: string, expected: number, config: FeatureEnvironmentConfig, by: string): Promise<ConfigRow | undefined> {
    if (expected === 0) {
      const { rows } = await q.query<ConfigRow>(
        `INSERT INTO feature_configs (feature, environment, config, updated_by) VALUES ($1,$2,$3,$4)
         ON CONFLICT (feature, environment) DO NOTHING RETURNING *`, [feature, environment, JSON.stringify(config), by]);
      return rows[0];
    }
    const { rows } = await q.query<ConfigRow>(
      `UPDATE feature_configs SET config = $4, revision = revision + 1, updated_at = now(), updated_by = $5
       WHERE feature = $1 AND environment = $2 AND revision = $3 RETURNING *`, [feature, environment, expected, JSON.stringify(config), by]);
    return rows[0];
  },
  async all(q: Queryable): Promise<FeatureRow[]> {
    return (await q.query<FeatureRow>('SELECT * FROM features ORDER BY key')).rows;
  },
};
