/** Weights and buckets are counted out of this total, like the flag engine's percentage rollouts. */
export const WEIGHT_TOTAL = 100_000;

/**
 * A stable bucket in [0, WEIGHT_TOTAL) for a sticky value (a session cookie, a user header).
 * FNV-1a over the UTF-16 code units, then the murmur3 finaliser to spread the bits; pinned by tests.
 */
export function stickyBucket(value: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < value.length; i++) {
    h ^= value.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) % WEIGHT_TOTAL;
}
