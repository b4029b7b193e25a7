/** Canary analysis: compares the new version's error rate and latency with the stable version's, from router counters. */

export interface Sample {
  agent_id: string;
  version: string;
  at: Date;
  requests: number;
  errors: number;
  latency: { buckets: number[]; counts: number[] } | null;
}

export interface WindowStats {
  requests: number;
  errors: number;
  errorRate: number | null;
  p99Ms: number | null;
}

export interface AnalysisOutcome {
  verdict: 'pass' | 'fail' | 'no-data';
  reason: string;
  canary: WindowStats;
  stable: WindowStats | null;
  at: string;
}

export interface AnalysisRules {
  minRequests: number;
  maxErrorRate: number;
  maxErrorRateIncrease: number;
  maxLatencyP99Ms?: number;
}

/**
 * Traffic of one version over [from, to]: per agent, the last counters before the window against the
 * last inside it (counters are cumulative; a router restart that resets them counts from zero).
 */
export function windowStats(samples: Sample[], version: string, from: Date): WindowStats {
  const byAgent = new Map<string, Sample[]>();
  for (const s of samples) if (s.version === version) byAgent.set(s.agent_id, [...(byAgent.get(s.agent_id) ?? []), s]);
  let requests = 0;
  let errors = 0;
  const histogram: number[] = [];
  let bounds: number[] | undefined;
  for (const list of byAgent.values()) {
    const before = list.filter((s) => s.at <= from).at(-1);
    const inside = list.filter((s) => s.at > from);
    const last = inside.at(-1);
    if (!last) continue;
    const base = before ?? inside[0]!;
    const reset = Number(last.requests) < Number(base.requests);
    requests += reset ? Number(last.requests) : Number(last.requests) - Number(base.requests);
    errors += reset ? Number(last.errors) : Number(last.errors) - Number(base.errors);
    if (last.latency) {
      bounds ??= last.latency.buckets;
      last.latency.counts.forEach((c, i) => {
        const was = !reset && base.latency ? base.latency.counts[i] ?? 0 : 0;
        histogram[i] = (histogram[i] ?? 0) + Math.max(0, c - was);
      });
    }
  }
  return { requests, errors, errorRate: requests > 0 ? errors / requests : null, p99Ms: quantile(bounds, histogram, 0.99) };
}

function quantile(bounds: number[] | undefined, counts: number[], q: number): number | null {
  const total = counts.reduce((n, c) => n + (c ?? 0), 0);
  if (!bounds || total === 0) return null;
  let seen = 0;
  for (let i = 0; i < counts.length; i++) {
    seen += counts[i] ?? 0;
    if (seen >= q * total) return i < bounds.length ? bounds[i]! : Infinity;
  }
  return Infinity;
}

export function judge(canary: WindowStats, stable: WindowStats | null, rules: AnalysisRules): AnalysisOutcome {
  const at = new Date().toISOString();
  const pct = (r: number | null) => (r === null ? 'n/a' : `${(r * 100).toFixed(2)} %`);
  if (canary.requests < rules.minRequests) {
    return { verdict: 'no-data', reason: `the new version served ${canary.requests} requests, fewer than the ${rules.minRequests} the analysis needs`, canary, stable, at };
  }
  if (canary.errorRate! > rules.maxErrorRate) {
    return { verdict: 'fail', reason: `error rate ${pct(canary.errorRate)} over ${canary.requests} requests exceeds the limit of ${pct(rules.maxErrorRate)}`, canary, stable, at };
  }
  if (stable && stable.requests >= rules.minRequests && canary.errorRate! - stable.errorRate! > rules.maxErrorRateIncrease) {
    return { verdict: 'fail', reason: `error rate ${pct(canary.errorRate)} is more than ${pct(rules.maxErrorRateIncrease)} above the stable version's ${pct(stable.errorRate)}`, canary, stable, at };
  }
  if (rules.maxLatencyP99Ms !== undefined && canary.p99Ms !== null && canary.p99Ms > rules.maxLatencyP99Ms) {
    return { verdict: 'fail', reason: `p99 latency ${canary.p99Ms} ms exceeds ${rules.maxLatencyP99Ms} ms`, canary, stable, at };
  }
  return { verdict: 'pass', reason: `error rate ${pct(canary.errorRate)} over ${canary.requests} requests (stable ${pct(stable?.errorRate ?? null)})`, canary, stable, at };
}
