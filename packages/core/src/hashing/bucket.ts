import { murmur3Continue, murmur3Prefix } from './murmur3.js';
import type { Murmur3State } from './murmur3.js';

/**
 * Rollout weights are out of this many units: one unit is 0.001 %.
 *
 * @example
 * const fivePercent = 0.05 * BUCKET_SCALE; // 5000
 */
export const BUCKET_SCALE = 100_000;

/**
 * The text a bucketing value is hashed as, or `undefined` when the value cannot be bucketed:
 * strings as they are (non-empty), safe integers in plain decimal. Anything else counts as
 * absent.
 *
 * @example
 * bucketingText('user-1'); // 'user-1'
 * bucketingText(42);       // '42'
 * bucketingText(4.2);      // undefined
 */
export function bucketingText(value: unknown): string | undefined {
  if (typeof value === 'string') return value.length > 0 ? value : undefined;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  return undefined;
}

/**
 * A precomputed hash prefix for one feature, so that bucketing a context hashes only its key.
 */
export function bucketPrefix(featureKey: string, salt: string): Murmur3State {
  return murmur3Prefix(`${featureKey}.${salt}.`);
}

/** The bucket of `value` under a precomputed {@link bucketPrefix}. */
export function bucketWithPrefix(prefix: Murmur3State, value: string): number {
  return murmur3Continue(prefix, value) % BUCKET_SCALE;
}

/**
 * The bucket, 0 to 99,999, of a bucketing value for a feature:
 * `murmur3_x86_32(utf8(featureKey + "." + salt + "." + value), seed 0) mod 100000`.
 * Identical in every Gantry SDK; see docs/evaluation.md for the worked examples.
 *
 * @example
 * bucketOf('new-checkout', 'b7f1c2', 'user-123'); // a stable number in [0, 100000)
 */
export function bucketOf(featureKey: string, salt: string, value: string): number {
  return bucketWithPrefix(bucketPrefix(featureKey, salt), value);
}
