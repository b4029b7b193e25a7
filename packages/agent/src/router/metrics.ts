/** Upper bounds (seconds) of the latency histogram buckets; +Inf is implied. */
export const DEFAULT_LATENCY_BUCKETS: readonly number[] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export type StatusClass = '1xx' | '2xx' | '3xx' | '4xx' | '5xx';

export interface LatencyHistogram {
  /** Bucket upper bounds in seconds, ascending; the last count is the +Inf bucket. */
  bounds: number[];
  /** Cumulative counts, one per bound plus one for +Inf (Prometheus `le` semantics). */
  counts: number[];
  /** Sum of all observed latencies in seconds. */
  sum: number;
  count: number;
}

/** Cumulative counters of one version since the router started (never reset; diff two snapshots). */
export interface VersionStats {
  version: string;
  /** Whether the version is in the current route table. */
  routed: boolean;
  /** Its weight in the current route table (0 when not routed). */
  weight: number;
  /** Completed requests: a response was sent (including the router's own 502/504). */
  requests: number;
  responses: Record<StatusClass, number>;
  /** Connection failures to its upstreams (each attempt, retried or not). */
  upstreamErrors: number;
  /** Requests the client gave up on before the response was complete. */
  aborted: number;
  inFlight: number;
  openWebSockets: number;
  /** Latency from request received to response complete (to `101` for upgrades). */
  latency: LatencyHistogram;
}

export interface RouterStats {
  service: string;
  /** Epoch milliseconds when the snapshot was taken. */
  at: number;
  /** Revision of the route table in force (1 for the first `setRoutes`). */
  revision: number;
  /** Requests answered 503 because the route table had no version for them. */
  unrouted: number;
  versions: VersionStats[];
}

const CLASSES: readonly StatusClass[] = ['1xx', '2xx', '3xx', '4xx', '5xx'];

/** Mutable counters of one version; the request path touches only these numbers. */
export class VersionCounters {
  requests = 0;
  readonly responses = [0, 0, 0, 0, 0];
  upstreamErrors = 0;
  aborted = 0;
  inFlight = 0;
  openWebSockets = 0;
  private readonly buckets: Float64Array;
  private sum = 0;

  constructor(
    readonly version: string,
    private readonly bounds: readonly number[],
  ) {
    this.buckets = new Float64Array(bounds.length + 1);
  }

  observe(status: number, seconds: number): void {
    this.requests++;
    const cls = Math.floor(status / 100) - 1;
    if (cls >= 0 && cls < 5) this.responses[cls]!++;
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && seconds > bounds[i]!) i++;
    this.buckets[i]!++;
    this.sum += seconds;
  }

  snapshot(routed: boolean, weight: number): VersionStats {
    const counts: number[] = [];
    let running = 0;
    for (const n of this.buckets) counts.push((running += n));
    const responses = {} as Record<StatusClass, number>;
    CLASSES.forEach((c, i) => (responses[c] = this.responses[i]!));
    return {
      version: this.version,
      routed,
      weight,
      requests: this.requests,
      responses,
      upstreamErrors: this.upstreamErrors,
      aborted: this.aborted,
      inFlight: this.inFlight,
      openWebSockets: this.openWebSockets,
      latency: { bounds: [...this.bounds], counts, sum: this.sum, count: running },
    };
  }
}

/** Rates of one version over the window between two snapshots — what a canary guard reads. */
export interface VersionWindow {
  version: string;
  requests: number;
  requestsPerSecond: number;
  errors5xx: number;
  /** 5xx responses / requests in the window; 0 when there were no requests. */
  errorRate: number;
  /** Latency quantiles (seconds) estimated from the histogram; undefined without requests. */
  p50: number | undefined;
  p90: number | undefined;
  p99: number | undefined;
  latency: LatencyHistogram;
}

export interface StatsWindow {
  service: string;
  seconds: number;
  versions: VersionWindow[];
}

/** Counters between two `router.stats()` snapshots (earlier first), per version. */
export function diffStats(earlier: RouterStats, later: RouterStats): StatsWindow {
  const seconds = Math.max((later.at - earlier.at) / 1000, 1e-9);
  const before = new Map(earlier.versions.map((v) => [v.version, v]));
  const versions = later.versions.map((now): VersionWindow => {
    const then = before.get(now.version);
    const requests = now.requests - (then?.requests ?? 0);
    const errors5xx = now.responses['5xx'] - (then?.responses['5xx'] ?? 0);
    const latency: LatencyHistogram = {
      bounds: now.latency.bounds,
      counts: now.latency.counts.map((c, i) => c - (then?.latency.counts[i] ?? 0)),
      sum: now.latency.sum - (then?.latency.sum ?? 0),
      count: now.latency.count - (then?.latency.count ?? 0),
    };
    return {
      version: now.version,
      requests,
      requestsPerSecond: requests / seconds,
      errors5xx,
      errorRate: requests > 0 ? errors5xx / requests : 0,
      p50: histogramQuantile(latency, 0.5),
      p90: histogramQuantile(latency, 0.9),
      p99: histogramQuantile(latency, 0.99),
      latency,
    };
  });
  return { service: later.service, seconds, versions };
}

/**
 * Estimate a quantile from a cumulative histogram by linear interpolation inside the bucket,
 * as Prometheus' `histogram_quantile` does; the +Inf bucket reports the highest finite bound.
 */
export function histogramQuantile(h: LatencyHistogram, q: number): number | undefined {
  const total = h.counts[h.counts.length - 1] ?? 0;
  if (total === 0) return undefined;
  const rank = q * total;
  for (let i = 0; i < h.counts.length; i++) {
    const count = h.counts[i]!;
    if (count >= rank) {
      if (i >= h.bounds.length) return h.bounds[h.bounds.length - 1];
      const lower = i === 0 ? 0 : h.bounds[i - 1]!;
      const below = i === 0 ? 0 : h.counts[i - 1]!;
      const inBucket = count - below;
      return inBucket === 0 ? h.bounds[i] : lower + (h.bounds[i]! - lower) * ((rank - below) / inBucket);
    }
  }
  return h.bounds[h.bounds.length - 1];
}
