import type { RouterStats, VersionStats } from '../router/metrics.js';
import type { RouterCounters } from './types.js';

/** One version's cumulative router counters in the protocol's shape: ms bounds, counts per bucket. */
export function toCounters(stats: VersionStats): RouterCounters {
  const { bounds, counts } = stats.latency;
  const perBucket = counts.map((c, i) => c - (i === 0 ? 0 : (counts[i - 1] as number)));
  return {
    requests: stats.requests,
    errors5xx: stats.responses['5xx'],
    latencyMs: { buckets: bounds.map((s) => Math.round(s * 1e6) / 1e3), counts: perBucket },
  };
}

/** Every version the router ever routed, keyed by version. */
export function routerCounters(stats: RouterStats | undefined): Record<string, RouterCounters> {
  const out: Record<string, RouterCounters> = {};
  for (const v of stats?.versions ?? []) out[v.version] = toCounters(v);
  return out;
}
