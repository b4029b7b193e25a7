import { describe, expect, it } from 'vitest';
import { downstreamResponseHeaders, upstreamRequestHeaders } from './headers.js';
import { diffStats, histogramQuantile, VersionCounters, type RouterStats } from './metrics.js';
import { formatPrometheus } from './prometheus.js';

const pairs = (flat: string[]) => Array.from({ length: flat.length / 2 }, (_, i) => [flat[2 * i], flat[2 * i + 1]]);

describe('forwarded headers', () => {
  it('removes hop-by-hop headers, including those named by Connection', () => {
    const out = upstreamRequestHeaders(
      ['Host', 'shop.example', 'Connection', 'keep-alive, X-Private, X-Private-Long-Name', 'X-Private', 'secret', 'X-Private-Long-Name', 's', 'Keep-Alive', 'timeout=5', 'TE', 'trailers', 'Accept', '*/*'],
      { clientAddress: '10.0.0.9', proto: 'http', trustProxyHeaders: false },
    );
    expect(pairs(out)).toEqual([
      ['Host', 'shop.example'],
      ['Accept', '*/*'],
      ['X-Forwarded-For', '10.0.0.9'],
      ['X-Forwarded-Proto', 'http'],
      ['X-Forwarded-Host', 'shop.example'],
    ]);
  });

  it('appends to every existing X-Forwarded-For and overwrites Proto/Host unless trusted', () => {
    const raw = ['x-forwarded-for', '1.1.1.1', 'X-Forwarded-For', '2.2.2.2, 3.3.3.3', 'X-Forwarded-Proto', 'https', 'X-Forwarded-Host', 'public.example', 'host', 'internal:8080'];
    const plain = Object.fromEntries(pairs(upstreamRequestHeaders(raw, { clientAddress: '4.4.4.4', proto: 'http', trustProxyHeaders: false })));
    expect(plain).toMatchObject({ 'X-Forwarded-For': '1.1.1.1, 2.2.2.2, 3.3.3.3, 4.4.4.4', 'X-Forwarded-Proto': 'http', 'X-Forwarded-Host': 'internal:8080' });
    const trusted = Object.fromEntries(pairs(upstreamRequestHeaders(raw, { clientAddress: '4.4.4.4', proto: 'http', trustProxyHeaders: true })));
    expect(trusted).toMatchObject({ 'X-Forwarded-Proto': 'https', 'X-Forwarded-Host': 'public.example' });
  });

  it('re-adds Connection/Upgrade for an upgrade request', () => {
    const out = upstreamRequestHeaders(['Connection', 'Upgrade', 'Upgrade', 'websocket', 'Sec-WebSocket-Key', 'k'], {
      clientAddress: '::1',
      proto: 'http',
      trustProxyHeaders: false,
      upgrade: 'websocket',
    });
    expect(out.slice(-4)).toEqual(['Connection', 'Upgrade', 'Upgrade', 'websocket']);
    expect(out).toContain('Sec-WebSocket-Key');
  });

  it('strips hop-by-hop headers from responses', () => {
    const out = downstreamResponseHeaders(['Content-Type', 'text/plain', 'Transfer-Encoding', 'chunked', 'Connection', 'close, X-Debug', 'X-Debug', '1', 'Set-Cookie', 'a=1', 'Set-Cookie', 'b=2']);
    expect(pairs(out)).toEqual([
      ['Content-Type', 'text/plain'],
      ['Set-Cookie', 'a=1'],
      ['Set-Cookie', 'b=2'],
    ]);
  });
});

describe('version counters and windows', () => {
  const bounds = [0.01, 0.1, 1];

  it('keeps cumulative histogram counts and status classes', () => {
    const c = new VersionCounters('2', bounds);
    c.observe(200, 0.005);
    c.observe(204, 0.05);
    c.observe(503, 0.5);
    c.observe(500, 3);
    const s = c.snapshot(true, 100_000);
    expect(s.requests).toBe(4);
    expect(s.responses).toEqual({ '1xx': 0, '2xx': 2, '3xx': 0, '4xx': 0, '5xx': 2 });
    expect(s.latency.counts).toEqual([1, 2, 3, 4]);
    expect(s.latency.sum).toBeCloseTo(3.555);
  });

  it('diffs two snapshots into rates, error rate and quantiles', () => {
    const c = new VersionCounters('2', bounds);
    for (let i = 0; i < 10; i++) c.observe(200, 0.005);
    const before: RouterStats = { service: 's', at: 1_000, revision: 1, unrouted: 0, versions: [c.snapshot(true, 1)] };
    for (let i = 0; i < 90; i++) c.observe(200, 0.05);
    for (let i = 0; i < 10; i++) c.observe(502, 0.5);
    const after: RouterStats = { service: 's', at: 11_000, revision: 1, unrouted: 0, versions: [c.snapshot(true, 1)] };
    const w = diffStats(before, after).versions[0]!;
    expect(w.requests).toBe(100);
    expect(w.requestsPerSecond).toBe(10);
    expect(w.errorRate).toBeCloseTo(0.1);
    expect(w.p50).toBeGreaterThan(0.01);
    expect(w.p50).toBeLessThanOrEqual(0.1);
    expect(w.p99).toBeGreaterThan(0.1);
  });

  it('estimates quantiles like histogram_quantile', () => {
    expect(histogramQuantile({ bounds: [1, 2], counts: [0, 10, 10], sum: 15, count: 10 }, 0.5)).toBeCloseTo(1.5);
    expect(histogramQuantile({ bounds: [1, 2], counts: [0, 0, 5], sum: 50, count: 5 }, 0.5)).toBe(2);
    expect(histogramQuantile({ bounds: [1], counts: [0, 0], sum: 0, count: 0 }, 0.5)).toBeUndefined();
  });
});

describe('Prometheus exposition', () => {
  it('writes counters, gauges and a histogram with escaped labels', () => {
    const c = new VersionCounters('1.2 "beta"', [0.1, 1]);
    c.observe(200, 0.05);
    c.observe(500, 0.5);
    const text = formatPrometheus({ service: 'web\\shop', at: 0, revision: 3, unrouted: 2, versions: [c.snapshot(true, 100_000)] });
    const l = 'service="web\\\\shop",version="1.2 \\"beta\\""';
    expect(text).toContain('# TYPE gantry_router_requests_total counter\n');
    expect(text).toContain(`gantry_router_requests_total{${l},status_class="5xx"} 1\n`);
    expect(text).toContain('# TYPE gantry_router_request_duration_seconds histogram\n');
    expect(text).toContain(`gantry_router_request_duration_seconds_bucket{${l},le="0.1"} 1\n`);
    expect(text).toContain(`gantry_router_request_duration_seconds_bucket{${l},le="+Inf"} 2\n`);
    expect(text).toContain(`gantry_router_request_duration_seconds_count{${l}} 2\n`);
    expect(text).toContain(`gantry_router_route_weight{${l}} 100000\n`);
    expect(text).toContain('gantry_router_unrouted_requests_total{service="web\\\\shop"} 2\n');
    expect(text).toContain('gantry_router_route_table_revision{service="web\\\\shop"} 3\n');
    for (const line of text.trimEnd().split('\n')) expect(line).toMatch(/^(# (HELP|TYPE) \w+ .+|\w+\{.*\} [-+.\deInfNa]+)$/);
  });
});
