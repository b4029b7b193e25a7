import { describe, expect, it } from 'vitest';
import { compileSnapshot } from '../engine/compile-snapshot.js';
import type { EnvironmentSnapshot } from '../model/snapshot.js';
import { BUCKET_SCALE, bucketingText, bucketOf } from './bucket.js';

function rolloutSnapshot(onWeight: number): EnvironmentSnapshot {
  return {
    environment: 'test',
    revision: 1,
    segments: {},
    features: {
      gradual: {
        key: 'gradual', kind: 'release', type: 'boolean', salt: 'pct', on: true, offVariation: 1,
        variations: [{ key: 'on', value: true }, { key: 'off', value: false }],
        fallthrough: { rollout: { variations: [{ variation: 0, weight: onWeight }, { variation: 1, weight: BUCKET_SCALE - onWeight }] } },
      },
    },
  };
}

function usersOn(onWeight: number, keys: readonly string[]): Set<string> {
  const engine = compileSnapshot(rolloutSnapshot(onWeight));
  return new Set(keys.filter((key) => engine.evaluateBoolean('gradual', { targetingKey: key }, false).value));
}

const keys = Array.from({ length: 100_000 }, (_, i) => `user-${i}`);

describe('bucketing', () => {
  it('gives buckets in [0, 100000)', () => {
    for (const key of keys.slice(0, 5000)) {
      const bucket = bucketOf('f', 's', key);
      expect(bucket).toBeGreaterThanOrEqual(0);
      expect(bucket).toBeLessThan(BUCKET_SCALE);
      expect(Number.isInteger(bucket)).toBe(true);
    }
  });

  it('is the documented hash of featureKey.salt.value', () => {
    expect(bucketOf('new-checkout', 'b7f1c2', 'user-123')).toBe(919667712 % BUCKET_SCALE);
  });

  it('never removes a user when a rollout grows', () => {
    const sample = keys.slice(0, 20_000);
    const stages = [0, 1, 10, 1000, 5000, 12_345, 25_000, 50_000, 99_999, 100_000];
    let previous = new Set<string>();
    for (const weight of stages) {
      const current = usersOn(weight, sample);
      for (const key of previous) expect(current.has(key)).toBe(true);
      previous = current;
    }
    expect(previous.size).toBe(sample.length);
  });

  it('spreads 100k keys over a 25 % rollout within tolerance', () => {
    const on = usersOn(25_000, keys).size;
    // σ = √(n·p·(1−p)) ≈ 137; allow about 4σ.
    expect(Math.abs(on - 25_000)).toBeLessThan(550);
  });

  it('spreads buckets evenly over ten deciles', () => {
    const counts = new Array<number>(10).fill(0);
    for (const key of keys) counts[Math.floor(bucketOf('deciles', 'x', key) / 10_000)]!++;
    const chiSquare = counts.reduce((sum, c) => sum + (c - 10_000) ** 2 / 10_000, 0);
    expect(chiSquare).toBeLessThan(27.9); // p = 0.001 with 9 degrees of freedom
  });

  it('reaches sub-percent rollouts in 0.001 % steps', () => {
    expect(usersOn(1, keys).size).toBeLessThan(10);
    const tenth = usersOn(100, keys).size; // 0.1 %
    expect(tenth).toBeGreaterThan(50);
    expect(tenth).toBeLessThan(160);
  });

  it('decorrelates features through key and salt', () => {
    const a = new Set(keys.slice(0, 20_000).filter((k) => bucketOf('feature-a', 's', k) < 10_000));
    const both = keys.slice(0, 20_000).filter((k) => a.has(k) && bucketOf('feature-b', 's', k) < 10_000).length;
    expect(both).toBeLessThan(300); // independent: about 1 % of 20k = 200
  });

  it.each([
    ['user-1', 'user-1'],
    [42, '42'],
    [-3, '-3'],
    ['', undefined],
    [4.2, undefined],
    [Number.MAX_SAFE_INTEGER + 2, undefined],
    [true, undefined],
    [null, undefined],
    [{ id: 1 }, undefined],
  ])('bucketingText(%j) is %j', (value, expected) => {
    expect(bucketingText(value)).toBe(expected);
  });
});
