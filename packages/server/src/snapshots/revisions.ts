import type { Queryable } from '../db/database.js';

/** The channel on which committed snapshot changes are announced, across every server replica. */
export const snapshotChannel = 'gantry_snapshot';

/**
 * Bumps an environment's snapshot revision inside the writer's transaction. The notification is
 * delivered when (and only if) that transaction commits: writes first, then events.
 */
export async function bumpSnapshotRevision(q: Queryable, environment: string): Promise<number> {
  const { rows } = await q.query<{ revision: number }>(
    `INSERT INTO snapshot_revisions (environment, revision) VALUES ($1, 1)
     ON CONFLICT (environment) DO UPDATE SET revision = snapshot_revisions.revision + 1 RETURNING revision`, [environment]);
  const revision = rows[0]!.revision;
  await q.query('SELECT pg_notify($1, $2)', [snapshotChannel, JSON.stringify({ environment, revision })]);
  return revision;
}

export async function bumpAllSnapshotRevisions(q: Queryable): Promise<void> {
  const { rows } = await q.query<{ name: string }>('SELECT name FROM environments ORDER BY position');
  for (const { name } of rows) await bumpSnapshotRevision(q, name);
}
