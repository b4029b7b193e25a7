import type { Queryable } from '../db/database.js';

export interface ServiceRow {
  name: string;
  description: string;
  revision: number;
  created_at: Date;
  updated_at: Date;
}

export const serviceStore = {
  async insert(q: Queryable, s: { name: string; description: string }): Promise<ServiceRow | undefined> {
    const { rows } = await q.query<ServiceRow>(
      'INSERT INTO services (name, description) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING RETURNING *', [s.name, s.description]);
    return rows[0];
  },
  async get(q: Queryable, name: string, forUpdate = false): Promise<ServiceRow | undefined> {
    const { rows } = await q.query<ServiceRow>(`SELECT * FROM services WHERE name = $1${forUpdate ? ' FOR UPDATE' : ''}`, [name]);
    return rows[0];
  },
  async list(q: Queryable, after: string | undefined, limit: number): Promise<ServiceRow[]> {
    const { rows } = await q.query<ServiceRow>(
      'SELECT * FROM services WHERE ($1::text IS NULL OR name > $1) ORDER BY name LIMIT $2', [after ?? null, limit]);
    return rows;
  },
  /** Updates only when the revision is still the one the caller read: no lost updates. */
  async update(q: Queryable, name: string, revision: number | undefined, s: { description?: string }): Promise<ServiceRow | undefined> {
    const { rows } = await q.query<ServiceRow>(
      `UPDATE services SET description = coalesce($3, description), revision = revision + 1, updated_at = now()
       WHERE name = $1 AND ($2::int IS NULL OR revision = $2) RETURNING *`,
      [name, revision ?? null, s.description ?? null]);
    return rows[0];
  },
};
