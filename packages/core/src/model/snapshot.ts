import type { FeatureDefinition } from './feature.js';
import type { Segment } from './segment.js';
import type { FeatureEnvironmentConfig } from './targeting.js';

/**
 * A feature as it appears in an environment snapshot: its definition and its configuration in
 * that environment, side by side. `description` and `owner` may be left out of snapshots sent
 * to SDKs.
 */
export interface SnapshotFeature
  extends Omit<FeatureDefinition, 'description' | 'owner'>,
    FeatureEnvironmentConfig {
  readonly description?: string;
  readonly owner?: string;
}

/**
 * Everything needed to evaluate every feature of one environment, as plain JSON. `revision`
 * grows with every change, so a client can tell which of two snapshots is newer.
 *
 * @example
 * const snapshot: EnvironmentSnapshot = {
 *   environment: 'production',
 *   revision: 7,
 *   features: {
 *     'new-checkout': {
 *       key: 'new-checkout', kind: 'release', type: 'boolean', salt: 'b7f1c2',
 *       variations: [{ key: 'on', value: true }, { key: 'off', value: false }],
 *       on: true, offVariation: 1, fallthrough: { variation: 0 },
 *     },
 *   },
 *   segments: {},
 * };
 */
export interface EnvironmentSnapshot {
  readonly environment: string;
  readonly revision: number;
  readonly features: Readonly<Record<string, SnapshotFeature>>;
  readonly segments: Readonly<Record<string, Segment>>;
}
