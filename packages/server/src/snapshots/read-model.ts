import type { EnvironmentSnapshot, FeatureEnvironmentConfig, Segment, SnapshotFeature, Variation } from '@gantry/core';
import type { Database } from '../db/database.js';
import { defaultConfig } from '../features/release-actions.js';

interface Row {
  key: string;
  kind: SnapshotFeature['kind'];
  type: SnapshotFeature['type'];
  variations: Variation[];
  salt: string;
  on_variation: number;
  off_variation: number;
  config: FeatureEnvironmentConfig | null;
}

/** One environment's flag configuration as SDKs receive it, read in one consistent transaction. */
export async function readSnapshot(db: Database, environment: string): Promise<EnvironmentSnapshot | undefined> {
  return db.tx(async (q) => {
    await q.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const env = await q.query('SELECT 1 FROM environments WHERE name = $1', [environment]);
    if (env.rows.length === 0) return undefined;
    // One connection runs one query at a time; inside the transaction they see one consistent state.
    const revision = await q.query<{ revision: number }>('SELECT revision FROM snapshot_revisions WHERE environment = $1', [environment]);
    const features = await q.query<Row>(`SELECT f.key, f.kind, f.type, f.variations, f.salt, f.on_variation, f.off_variation, c.config
      FROM features f LEFT JOIN feature_configs c ON c.feature = f.key AND c.environment = $1 ORDER BY f.key`, [environment]);
    const segments = await q.query<{ key: string; included: string[]; excluded: string[]; rules: Segment['rules'] }>(
      'SELECT key, included, excluded, rules FROM segments WHERE environment = $1 ORDER BY key', [environment]);
    const snapshotFeatures: Record<string, SnapshotFeature> = {};
    for (const f of features.rows) {
      const config = f.config ?? defaultConfig({ on: f.on_variation, off: f.off_variation });
      snapshotFeatures[f.key] = { key: f.key, kind: f.kind, type: f.type, variations: f.variations, salt: f.salt, ...config };
    }
    const snapshotSegments: Record<string, Segment> = {};
    for (const s of segments.rows) snapshotSegments[s.key] = { key: s.key, included: s.included, excluded: s.excluded, rules: s.rules };
    return { environment, revision: revision.rows[0]?.revision ?? 0, features: snapshotFeatures, segments: snapshotSegments };
  });
}
