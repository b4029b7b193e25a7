import type { EnvironmentSnapshot, SnapshotFeature } from '../model/snapshot.js';

/** A small, valid snapshot for unit tests; each call returns a fresh deep copy. */
export function sampleSnapshot(): EnvironmentSnapshot {
  return JSON.parse(JSON.stringify(SAMPLE)) as EnvironmentSnapshot;
}

/** A valid boolean feature with the given overrides. */
export function booleanFeature(key: string, overrides: Partial<SnapshotFeature> = {}): SnapshotFeature {
  return {
    key, kind: 'release', type: 'boolean', salt: 's', variations: [{ key: 'on', value: true }, { key: 'off', value: false }],
    on: true, offVariation: 1, fallthrough: { variation: 0 }, ...overrides,
  };
}

const SAMPLE: EnvironmentSnapshot = {
  environment: 'production',
  revision: 12,
  segments: {
    staff: { key: 'staff', included: ['u-admin'], rules: [{ clauses: [{ attribute: 'email', operator: 'endsWith', values: ['@example.com'] }] }] },
  },
  features: {
    'new-checkout': booleanFeature('new-checkout', {
      description: 'One-page checkout',
      owner: 'team-payments',
      targets: [{ variation: 0, values: ['u-1'] }],
      rules: [
        { id: 'staff', clauses: [{ operator: 'segmentMatch', values: ['staff'] }], serve: { variation: 0 } },
        { clauses: [{ attribute: 'country', operator: 'in', values: ['NL'] }], serve: { rollout: { variations: [{ variation: 0, weight: 50_000 }, { variation: 1, weight: 50_000 }] } } },
      ],
      fallthrough: { variation: 1 },
    }),
    limits: {
      key: 'limits', kind: 'permission', type: 'json', salt: 'l', on: true, offVariation: 0,
      variations: [{ key: 'basic', value: { seats: 3, tags: ['a'] } }, { key: 'pro', value: { seats: 50, tags: ['a', 'b'] } }],
      fallthrough: { variation: 0 },
    },
    banner: booleanFeature('banner', { prerequisites: [{ feature: 'new-checkout', variation: 0 }] }),
  },
};
