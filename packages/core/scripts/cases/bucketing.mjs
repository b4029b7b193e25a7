// Bucketing: weights at their boundaries, a three-way split, a gradual rollout whose stages
// only ever add users, missing and unusual targeting keys, and the hash worked examples.
import { booleanFeature, expectBoolean, expectError } from './helpers.mjs';
import { referenceBucket, referenceHash } from './reference-hash.mjs';

const onWeights = { 'rollout-0': 0, 'rollout-1': 1, 'rollout-25': 25000, 'rollout-50': 50000, 'rollout-99999': 99999, 'rollout-100': 100000 };

function rolloutFeature(key, onWeight) {
  return booleanFeature(key, [], { fallthrough: { rollout: { variations: [{ variation: 0, weight: onWeight }, { variation: 1, weight: 100000 - onWeight }] } } });
}

const threeWay = {
  key: 'three-way', kind: 'experiment', type: 'string', salt: 'salt-three-way', on: true, offVariation: 0,
  variations: [{ key: 'a', value: 'A' }, { key: 'b', value: 'B' }, { key: 'c', value: 'C' }],
  fallthrough: { rollout: { variations: [{ variation: 0, weight: 33333 }, { variation: 1, weight: 33333 }, { variation: 2, weight: 33334 }] } },
};

export const rolloutsSnapshot = {
  environment: 'test',
  revision: 4,
  features: { ...Object.fromEntries(Object.entries(onWeights).map(([key, weight]) => [key, rolloutFeature(key, weight)])), 'three-way': threeWay },
  segments: {},
};

/** The first keys `user-N` whose bucket for a feature is exactly each wanted bucket. */
function keysWithBuckets(flag, salt, wanted) {
  const found = new Map();
  for (let i = 0; found.size < wanted.length && i < 20_000_000; i++) {
    const bucket = referenceBucket(flag, salt, `user-${i}`);
    if (wanted.includes(bucket) && !found.has(bucket)) found.set(bucket, `user-${i}`);
  }
  if (found.size < wanted.length) throw new Error(`no key found for some of ${wanted} in ${flag}`);
  return wanted.map((bucket) => [bucket, found.get(bucket)]);
}

const ordinaryKeys = ['user-1', 'user-2', 'user-3', 'anonymous-7f3a', 'josé', '用户-42', '🚀-rocket', 'x'];

function booleanRolloutCases() {
  const cases = [];
  for (const [flag, onWeight] of Object.entries(onWeights)) {
    const salt = `salt-${flag}`;
    const boundaries = [...new Set([onWeight - 1, onWeight, 0, 99999].filter((b) => b >= 0 && b <= 99999))];
    const rows = [...keysWithBuckets(flag, salt, boundaries), ...ordinaryKeys.map((key) => [referenceBucket(flag, salt, key), key])];
    for (const [bucket, key] of rows) {
      const variant = bucket < onWeight ? 'on' : 'off';
      cases.push({ name: `${flag}: bucket ${bucket} (${key})`, snapshot: 'rollouts', flag, context: { targetingKey: key }, default: false, expected: expectBoolean(variant, 'SPLIT') });
    }
  }
  return cases;
}

function threeWayCases() {
  const rows = [...keysWithBuckets('three-way', 'salt-three-way', [0, 33332, 33333, 66665, 66666, 99999]), ...ordinaryKeys.map((k) => [referenceBucket('three-way', 'salt-three-way', k), k])];
  return rows.map(([bucket, key]) => {
    const variant = bucket < 33333 ? 'a' : bucket < 66666 ? 'b' : 'c';
    return { name: `three-way: bucket ${bucket} (${key})`, snapshot: 'rollouts', flag: 'three-way', context: { targetingKey: key }, default: 'z', expected: { value: variant.toUpperCase(), variant, reason: 'SPLIT' } };
  });
}

const missingKeyCases = [
  ['no targeting key', {}],
  ['empty targeting key', { targetingKey: '' }],
  ['null targeting key', { targetingKey: null }],
  ['fractional number as targeting key', { targetingKey: 1.5 }],
  ['boolean as targeting key', { targetingKey: true }],
  ['other attributes do not stand in for the key', { userId: 'u1', email: 'a@b.c' }],
].map(([name, context]) => ({ name: `rollout-25: ${name}`, snapshot: 'rollouts', flag: 'rollout-25', context, default: true, expected: expectError('TARGETING_KEY_MISSING', true) }));

const integerKeyCases = [12345, 0, -7].map((key) => ({
  name: `rollout-50: integer targeting key ${key} is bucketed as "${key}"`,
  snapshot: 'rollouts', flag: 'rollout-50', context: { targetingKey: key }, default: false,
  expected: expectBoolean(referenceBucket('rollout-50', 'salt-rollout-50', String(key)) < 50000 ? 'on' : 'off', 'SPLIT'),
}));

/** A gradual rollout of one feature through stages: each stage only adds users. */
export const gradualStages = [1, 1000, 5000, 25000, 50000, 100000];

export const gradualSnapshots = Object.fromEntries(gradualStages.map((weight) => [`gradual-${weight}`, {
  environment: 'test', revision: weight, segments: {},
  features: { gradual: { ...rolloutFeature('gradual', weight), salt: 'g-2025' } },
}]));

function gradualCases() {
  const keys = Array.from({ length: 30 }, (_, i) => `visitor-${i * 7919}`);
  return gradualStages.flatMap((weight) => keys.map((key) => ({
    name: `gradual at ${weight / 1000} %: ${key}`,
    snapshot: `gradual-${weight}`, flag: 'gradual', context: { targetingKey: key }, default: false,
    expected: expectBoolean(referenceBucket('gradual', 'g-2025', key) < weight ? 'on' : 'off', 'SPLIT'),
  })));
}

export const bucketingCases = [...booleanRolloutCases(), ...threeWayCases(), ...missingKeyCases, ...integerKeyCases, ...gradualCases()];

/** Worked examples of the bucketing hash, for SDK authors (also in docs/evaluation.md). */
export const bucketExamples = [
  ['new-checkout', 'b7f1c2', 'user-123'],
  ['new-checkout', 'b7f1c2', 'user-456'],
  ['new-checkout', '', 'user-123'],
  ['dark-mode', 'x9', '42'],
  ['dark-mode', 'x9', 'josé'],
  ['dark-mode', 'x9', '🚀'],
].map(([featureKey, salt, value]) => {
  const input = `${featureKey}.${salt}.${value}`;
  const hash = referenceHash(input);
  return { featureKey, salt, value, input, utf8Hex: Buffer.from(input, 'utf8').toString('hex'), hash, bucket: hash % 100000 };
});
