import type { Queryable } from '../db/database.js';

export interface TokenRow {
  id: string;
  name: string;
  scope: string;
  prefix: string;
  created_at: Date;
  created_by: string;
  expires_at: Date | null;
  revoked_at: Date | null;
  last_used_at: Date | null;
  /** SHA-256 of the secret; never leaves the server (it signs the token's stream tickets). */
  hash: Buffer;
}

const columns = 'id, name, scope, prefix, created_at, created_by, expires_at, revoked_at, last_used_at, hash';

export const tokenStore = {
  async insert(q: Queryable, t: { id: string; name: string; scope: string; hash: Buffer; prefix: string; createdBy: string; expiresAt: Date | null }): Promise<TokenRow> {
    const { rows } = await q.query<TokenRow>(
      `INSERT INTO tokens (id, name, scope, hash, prefix, created_by, expires_at) VALUES ($1,$2,$3,$4,$5,$6,$7) RETURNING ${columns}`,
      [t.id, t.name, t.scope, t.hash, t.prefix, t.createdBy, t.expiresAt],
    );
    return rows[0]!;
  },
  async findActiveByHash(q: Queryable, hash: Buffer): Promise<TokenRow | undefined> {
    const { rows } = await q.query<TokenRow>(
      `SELECT ${columns} FROM tokens WHERE hash = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())`,
      [hash],
    );
    return rows[0];
  },
  async get(q: Queryable, id: string): Promise<TokenRow | undefined> {
    const { rows } = await q.query<TokenRow>(`SELECT ${columns} FROM tokens WHERE id = $1`, [id]);
    return rows[0];
  },
  async list(q: Queryable): Promise<TokenRow[]> {
    return (await q.query<TokenRow>(`SELECT ${columns} FROM tokens ORDER BY created_at, id`)).rows;
  },
  async revoke(q: Queryable, id: string): Promise<TokenRow | undefined> {
    const { rows } = await q.query<TokenRow>(
      `UPDATE tokens SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 RETURNING ${columns}`, [id]);
    return rows[0];
  },
  async count(q: Queryable): Promise<number> {
    return (await q.query<{ n: number }>('SELECT count(*)::int AS n FROM tokens')).rows[0]!.n;
  },
  async touch(q: Queryable, id: string): Promise<void> {
    await q.query('UPDATE tokens SET last_used_at = now() WHERE id = $1', [id]);
  },
};
