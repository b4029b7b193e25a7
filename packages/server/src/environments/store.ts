import type { Queryable } from '../db/database.js';

export interface EnvironmentRow {
  name: string;
  position: number;
  protected: boolean;
  frozen_until: Date | null;
  freeze_reason: string | null;
  required_label: string | null;
  require_previous_success: boolean;
  revision: number;
  created_at: Date;
  updated_at: Date;
}

export interface EnvironmentChanges {
  protected?: boolean;
  requiredLabel?: string | null;
  requirePreviousSuccess?: boolean;
  frozenUntil?: Date | null;
  freezeReason?: string | null;
}

export const environmentStore = {
  /** Serialises changes to the promotion path's order. */
  async lockPath(q: Queryable): Promise<void> {
    await q.query('SELECT pg_advisory_xact_lock(hashtext($1))', ['gantry:environments']);
  },
  async all(q: Queryable): Promise<EnvironmentRow[]> {
    return (await q.query<EnvironmentRow>('SELECT * FROM environments ORDER BY position')).rows;
  },
  async get(q: Queryable, name: string, forUpdate = false): Promise<EnvironmentRow | undefined> {
    const { rows } = await q.query<EnvironmentRow>(`SELECT * FROM environments WHERE name = $1${forUpdate ? ' FOR UPDATE' : ''}`, [name]);
    return rows[0];
  },
  async previous(q: Queryable, position: number): Promise<EnvironmentRow | undefined> {
    const { rows } = await q.query<EnvironmentRow>('SELECT * FROM environments WHERE position < $1 ORDER BY position DESC LIMIT 1', [position]);
    return rows[0];
  },
  async shiftFrom(q: Queryable, position: number): Promise<void> {
    await q.query('UPDATE environments SET position = position + 1 WHERE position >= $1', [position]);
  },
  async nextPosition(q: Queryable): Promise<number> {
    return (await q.query<{ p: number }>('SELECT coalesce(max(position), 0) + 1 AS p FROM environments')).rows[0]!.p;
  },
  async insert(q: Queryable, e: { name: string; position: number; protected: boolean; requiredLabel: string | null; requirePreviousSuccess: boolean }): Promise<EnvironmentRow | undefined> {
    const { rows } = await q.query<EnvironmentRow>(
      `INSERT INTO environments (name, position, protected, required_label, require_previous_success)
       VALUES ($1,$2,$3,$4,$5) ON CONFLICT (name) DO NOTHING RETURNING *`,
      [e.name, e.position, e.protected, e.requiredLabel, e.requirePreviousSuccess]);
    return rows[0];
  },
  async update(q: Queryable, name: string, revision: number | undefined, c: EnvironmentChanges): Promise<EnvironmentRow | undefined> {
    const sets: string[] = [];
    const values: unknown[] = [name, revision ?? null];
    const set = (column: string, value: unknown) => { values.push(value); sets.push(`${column} = $${values.length}`); };
    if (c.protected !== undefined) set('protected', c.protected);
    if (c.requiredLabel !== undefined) set('required_label', c.requiredLabel);
    if (c.requirePreviousSuccess !== undefined) set('require_previous_success', c.requirePreviousSuccess);
    if (c.frozenUntil !== undefined) set('frozen_until', c.frozenUntil);
    if (c.freezeReason !== undefined) set('freeze_reason', c.freezeReason);
    const { rows } = await q.query<EnvironmentRow>(
      `UPDATE environments SET ${[...sets, 'revision = revision + 1', 'updated_at = now()'].join(', ')}
       WHERE name = $1 AND ($2::int IS NULL OR revision = $2) RETURNING *`, values);
    return rows[0];
  },
};
