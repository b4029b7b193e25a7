import type { Queryable } from '../db/database.js';

export interface ArtifactRow {
  id: string;
  service: string;
  version: string;
  digest: string;
  repository: string | null;
  commit: string | null;
  build_id: string | null;
  build_url: string | null;
  changes: string[];
  metadata: Record<string, unknown>;
  created_at: Date;
  created_by: string;
  labels: { label: string; at: string; by: string }[];
}

export interface NewArtifact {
  id: string;
  service: string;
  version: string;
  digest: string;
  repository: string | null;
  commit: string | null;
  buildId: string | null;
  buildUrl: string | null;
  changes: string[];
  metadata: Record<string, unknown>;
  createdBy: string;
}

const select = `SELECT a.*, coalesce((
    SELECT json_agg(json_build_object('label', l.label, 'at', l.created_at, 'by', l.created_by) ORDER BY l.created_at, l.label)
    FROM artifact_labels l WHERE l.artifact_id = a.id), '[]') AS labels
  FROM artifacts a`;

export const artifactStore = {
  /** Inserts unless the service already has this version; returns undefined then. */
  async insert(q: Queryable, a: NewArtifact): Promise<boolean> {
    const { rowCount } = await q.query(
      `INSERT INTO artifacts (id, service, version, digest, repository, commit, build_id, build_url, changes, metadata, created_by)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11) ON CONFLICT (service, version) DO NOTHING`,
      [a.id, a.service, a.version, a.digest, a.repository, a.commit, a.buildId, a.buildUrl, JSON.stringify(a.changes), JSON.stringify(a.metadata), a.createdBy]);
    return rowCount === 1;
  },
  async get(q: Queryable, service: string, version: string): Promise<ArtifactRow | undefined> {
    const { rows } = await q.query<ArtifactRow>(`${select} WHERE a.service = $1 AND a.version = $2`, [service, version]);
    return rows[0];
  },
  async byId(q: Queryable, id: string): Promise<ArtifactRow | undefined> {
    const { rows } = await q.query<ArtifactRow>(`${select} WHERE a.id = $1`, [id]);
    return rows[0];
  },
  async ofService(q: Queryable, service: string, label?: string): Promise<ArtifactRow[]> {
    const { rows } = await q.query<ArtifactRow>(
      `${select} WHERE a.service = $1 AND ($2::text IS NULL OR EXISTS (SELECT 1 FROM artifact_labels l WHERE l.artifact_id = a.id AND l.label = $2))
       ORDER BY a.created_at, a.id`, [service, label ?? null]);
    return rows;
  },
  async ofBuild(q: Queryable, buildId: string): Promise<ArtifactRow[]> {
    return (await q.query<ArtifactRow>(`${select} WHERE a.build_id = $1 ORDER BY a.service, a.created_at`, [buildId])).rows;
  },
  async upsertBuild(q: Queryable, id: string, url: string | null): Promise<void> {
    await q.query('INSERT INTO builds (id, url) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET url = coalesce(builds.url, EXCLUDED.url)', [id, url]);
  },
  async getBuild(q: Queryable, id: string): Promise<{ id: string; url: string | null; created_at: Date } | undefined> {
    return (await q.query<{ id: string; url: string | null; created_at: Date }>('SELECT * FROM builds WHERE id = $1', [id])).rows[0];
  },
  async addLabel(q: Queryable, artifactId: string, label: string, by: string): Promise<boolean> {
    const { rowCount } = await q.query(
      'INSERT INTO artifact_labels (artifact_id, label, created_by) VALUES ($1,$2,$3) ON CONFLICT DO NOTHING', [artifactId, label, by]);
    return rowCount === 1;
  },
  async removeLabel(q: Queryable, artifactId: string, label: string): Promise<boolean> {
    const { rowCount } = await q.query('DELETE FROM artifact_labels WHERE artifact_id = $1 AND label = $2', [artifactId, label]);
    return rowCount === 1;
  },
};
