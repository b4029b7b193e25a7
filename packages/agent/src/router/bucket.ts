import { BUCKET_SCALE, murmur3Continue, murmur3Prefix, type Murmur3State } from '@gantry/core';

/** Weights and buckets are counted out of this total, as in the flag engine's rollouts (1 unit = 0.001 %). */
export const WEIGHT_TOTAL = BUCKET_SCALE;

/** The precomputed hash prefix of a service's sticky buckets: `"<service>."`. */
export function stickyPrefix(service: string): Murmur3State {
  return murmur3Prefix(`${service}.`);
}

/**
 * The stable bucket in [0, 100 000) of a sticky value (a session cookie, a user header) for a
 * service: `murmur3_x86_32(utf8(service + "." + value)) mod 100000` — the flag engine's hash, so
 * the same user lands in the same bucket on every agent.
 *
 * @example
 * stickyBucket('checkout-api', 'session-8f2c'); // same number on every host, every time
 */
export function stickyBucket(service: string, value: string): number {
  return murmur3Continue(stickyPrefix(service), value) % WEIGHT_TOTAL;
}

/** {@link stickyBucket} with the service's prefix already hashed (the request path's form). */
export function stickyBucketWithPrefix(prefix: Murmur3State, value: string): number {
  return murmur3Continue(prefix, value) % WEIGHT_TOTAL;
}
