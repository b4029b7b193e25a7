import type { RouterStats } from './metrics.js';

function label(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function num(n: number): string {
  if (n === Infinity) return '+Inf';
  return Number.isFinite(n) ? String(n) : 'NaN';
}

/**
 * Prometheus text exposition (format 0.0.4) of one or more routers' stats, for an agent's
 * `/metrics`. Serve it with `Content-Type: text/plain; version=0.0.4; charset=utf-8`.
 */
export function formatPrometheus(stats: RouterStats | readonly RouterStats[]): string {
  const list = Array.isArray(stats) ? (stats as readonly RouterStats[]) : [stats as RouterStats];
  const out: string[] = [];
  const family = (name: string, type: string, help: string, lines: (s: RouterStats) => void) => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const s of list) lines(s);
  };
  const base = (s: RouterStats, version: string) => `service="${label(s.service)}",version="${label(version)}"`;

  family('gantry_router_requests_total', 'counter', 'Requests answered by the traffic router, by version and status class.', (s) => {
    for (const v of s.versions) {
      for (const [cls, n] of Object.entries(v.responses)) out.push(`gantry_router_requests_total{${base(s, v.version)},status_class="${cls}"} ${n}`);
    }
  });
  family('gantry_router_request_duration_seconds', 'histogram', 'Time from request received to response complete.', (s) => {
    for (const v of s.versions) {
      const l = base(s, v.version);
      v.latency.counts.forEach((c, i) => {
        out.push(`gantry_router_request_duration_seconds_bucket{${l},le="${num(v.latency.bounds[i] ?? Infinity)}"} ${c}`);
      });
      out.push(`gantry_router_request_duration_seconds_sum{${l}} ${num(v.latency.sum)}`);
      out.push(`gantry_router_request_duration_seconds_count{${l}} ${v.latency.count}`);
    }
  });
  const simple = (name: string, type: string, help: string, pick: (v: RouterStats['versions'][number]) => number) =>
    family(name, type, help, (s) => {
      for (const v of s.versions) out.push(`${name}{${base(s, v.version)}} ${num(pick(v))}`);
    });
  simple('gantry_router_upstream_errors_total', 'counter', 'Failed connection attempts to upstream instances.', (v) => v.upstreamErrors);
  simple('gantry_router_aborted_requests_total', 'counter', 'Requests the client abandoned before the response completed.', (v) => v.aborted);
  simple('gantry_router_in_flight_requests', 'gauge', 'Requests being proxied now.', (v) => v.inFlight);
  simple('gantry_router_open_websockets', 'gauge', 'Upgraded (WebSocket) connections open now.', (v) => v.openWebSockets);
  simple('gantry_router_route_weight', 'gauge', 'Weight of the version in the route table, out of 100000.', (v) => v.weight);
  family('gantry_router_unrouted_requests_total', 'counter', 'Requests answered 503 because no version was routable.', (s) => {
    out.push(`gantry_router_unrouted_requests_total{service="${label(s.service)}"} ${s.unrouted}`);
  });
  family('gantry_router_route_table_revision', 'gauge', 'Revision of the route table in force.', (s) => {
    out.push(`gantry_router_route_table_revision{service="${label(s.service)}"} ${s.revision}`);
  });
  return out.join('\n') + '\n';
}
