import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { forwardRequest, type ForwardContext } from './forward.js';
import { DEFAULT_LATENCY_BUCKETS, VersionCounters, type RouterStats } from './metrics.js';
import { UpstreamPool } from './pool.js';
import { sendProblem, writeProblemToSocket } from './problem.js';
import { compileRouteTable, type CompiledTable, type RouteTable } from './route-table.js';
import { selectVersion } from './select.js';
import { stickyPrefix } from './bucket.js';
import type { Murmur3State } from '@gantry/core';
import { forwardUpgrade } from './upgrade.js';

export interface RouterOptions {
  /** The service this router fronts; a label on every metric. */
  service: string;
  /** Inactivity limit on an upstream connection before the client gets a 504 (default 60 000 ms). */
  upstreamTimeoutMs?: number;
  /** Connections per upstream instance (default 256); further requests queue. */
  maxSocketsPerUpstream?: number;
  /** Idle keep-alive connections kept per upstream instance (default 64). */
  maxIdleSocketsPerUpstream?: number;
  /**
   * How long an idle upstream connection is kept (default 30 000 ms); an upstream's shorter
   * `Keep-Alive: timeout=N` hint wins (minus a second), so the router closes first.
   */
  upstreamIdleTimeoutMs?: number;
  /** Keep `X-Forwarded-Proto`/`-Host` from a trusted proxy in front (default false: overwrite). */
  trustProxyHeaders?: boolean;
  /** The scheme clients used, for `X-Forwarded-Proto` (default `http`). */
  proto?: string;
  /** Latency histogram bucket bounds in seconds (default {@link DEFAULT_LATENCY_BUCKETS}). */
  latencyBuckets?: readonly number[];
  /** Source of randomness for unsticky weighted choice (default `Math.random`); for tests. */
  random?: () => number;
}

/**
 * The traffic router of one service: an HTTP reverse proxy whose route table is swapped whole.
 *
 * @example
 * const router = createRouter({ service: 'checkout-api' });
 * router.setRoutes({ versions: [{ version: '41', upstreams: ['127.0.0.1:4101'] }] });
 * await router.listen(8080, '0.0.0.0');
 * // canary: 10 % to version 42, sticky per session cookie
 * router.setRoutes({
 *   versions: [{ version: '41', upstreams: ['127.0.0.1:4101'], weight: 90_000 },
 *              { version: '42', upstreams: ['127.0.0.1:4201'], weight: 10_000 }],
 *   stickiness: { cookie: 'session' },
 * });
 */
export interface Router {
  readonly service: string;
  /** The underlying server (already wired); `listen()` is the usual way to bind it. */
  readonly server: Server;
  /** Bind the public port (0 picks a free one); resolves with the bound address. */
  listen(port: number, host?: string): Promise<AddressInfo>;
  /**
   * Validate and install a new route table in one assignment: every request that arrives after
   * the call uses it, requests in flight finish where they are. Throws `RouteTableError` (and
   * keeps the old table) when invalid. Returns the new revision.
   */
  setRoutes(table: RouteTable): number;
  /** A copy of the route table in force. */
  routes(): RouteTable;
  /** Cumulative counters per version; diff two snapshots (`diffStats`) for rates over a window. */
  stats(): RouterStats;
  /** Requests in flight, for one version or in total. */
  inFlight(version?: string): number;
  /** Resolves true once `version` has no request in flight, false after `timeoutMs`. */
  waitDrained(version: string, timeoutMs: number): Promise<boolean>;
  /**
   * Stop accepting, let in-flight requests finish for up to `timeoutMs` (default 10 000), then
   * cut what remains, including upgraded connections.
   */
  close(options?: { timeoutMs?: number }): Promise<void>;
}

class TrafficRouter implements Router, ForwardContext {
  readonly server: Server;
  readonly pool: UpstreamPool;
  readonly upstreamTimeoutMs: number;
  readonly trustProxyHeaders: boolean;
  readonly proto: string;
  readonly tunnels = new Set<Duplex>();
  closing = false;
  private table: CompiledTable;
  private readonly counters = new Map<string, VersionCounters>();
  private readonly buckets: readonly number[];
  private readonly random: () => number;
  private readonly sticky: Murmur3State;
  private total = 0;
  private unrouted = 0;
  private closed: Promise<void> | undefined;

  constructor(readonly service: string, options: RouterOptions) {
    this.upstreamTimeoutMs = options.upstreamTimeoutMs ?? 60_000;
    this.trustProxyHeaders = options.trustProxyHeaders ?? false;
    this.proto = options.proto ?? 'http';
    this.buckets = [...(options.latencyBuckets ?? DEFAULT_LATENCY_BUCKETS)].sort((a, b) => a - b);
    this.random = options.random ?? Math.random;
    this.sticky = stickyPrefix(service);
    this.pool = new UpstreamPool({
      maxSockets: options.maxSocketsPerUpstream ?? 256,
      maxIdleSockets: options.maxIdleSocketsPerUpstream ?? 64,
      timeoutMs: this.upstreamTimeoutMs,
      idleTimeoutMs: options.upstreamIdleTimeoutMs ?? 30_000,
    });
    this.table = compileRouteTable({ versions: [] }, 0);
    this.server = createServer((req, res) => this.onRequest(req, res));
    this.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.onUpgrade(req, socket, head));
  }

  listen(port: number, host = '127.0.0.1'): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve(this.server.address() as AddressInfo);
      });
    });
  }

  setRoutes(table: RouteTable): number {
    const compiled = compileRouteTable(table, this.table.revision + 1);
    this.table = compiled;
    for (const v of compiled.versions) this.countersFor(v.version);
    this.pool.retain(new Set(compiled.versions.flatMap((v) => v.upstreams.map((u) => u.key))));
    return compiled.revision;
  }

  routes(): RouteTable {
    return structuredClone(this.table.source);
  }

  stats(): RouterStats {
    const table = this.table;
    return {
      service: this.service,
      at: Date.now(),
      revision: table.revision,
      unrouted: this.unrouted,
      versions: [...this.counters.values()].map((c) => {
        const route = table.byVersion.get(c.version);
        return c.snapshot(route !== undefined, route?.weight ?? 0);
      }),
    };
  }

  inFlight(version?: string): number {
    return version === undefined ? this.total : (this.counters.get(version)?.inFlight ?? 0);
  }

  waitDrained(version: string, timeoutMs: number): Promise<boolean> {
    return this.waitFor(version, timeoutMs);
  }

  requestDone(): void {
    this.total--;
    if (this.closing) this.server.closeIdleConnections();
  }

  close(options: { timeoutMs?: number } = {}): Promise<void> {
    this.closed ??= this.shutdown(options.timeoutMs ?? 10_000);
    return this.closed;
  }

  private async shutdown(timeoutMs: number): Promise<void> {
    this.closing = true;
    const stopped = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    await this.waitFor(undefined, timeoutMs);
    this.server.closeAllConnections();
    for (const socket of this.tunnels) socket.destroy();
    this.pool.destroyAll();
    await stopped;
  }

  /** Polls: draining is rare and slow next to a request, so the request path stays free of it. */
  private waitFor(version: string | undefined, timeoutMs: number): Promise<boolean> {
    const drained = () => (version === undefined ? this.pendingInAllVersions() : this.inFlight(version)) === 0;
    if (drained()) return Promise.resolve(true);
    const deadline = Date.now() + timeoutMs;
    return new Promise((resolve) => {
      const timer = setInterval(() => {
        if (drained()) resolve(true);
        else if (Date.now() >= deadline) resolve(false);
        else return;
        clearInterval(timer);
      }, 10);
    });
  }

  /** Requests and upgrade handshakes in flight (handshakes are counted per version only). */
  private pendingInAllVersions(): number {
    let n = 0;
    for (const c of this.counters.values()) n += c.inFlight;
    return n;
  }

  private countersFor(version: string): VersionCounters {
    let counters = this.counters.get(version);
    if (!counters) this.counters.set(version, (counters = new VersionCounters(version, this.buckets)));
    return counters;
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    const route = selectVersion(this.table, req.headers, this.sticky, this.random);
    if (!route) {
      this.unrouted++;
      if (this.closing) res.setHeader('connection', 'close');
      sendProblem(res, 503, 'no_route', `no version of ${this.service} is routed`);
      return;
    }
    this.total++;
    forwardRequest(this, req, res, route, this.countersFor(route.version));
  }

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (this.closing) {
      writeProblemToSocket(socket, 503, 'router_closing', `the router of ${this.service} is closing`);
      return;
    }
    const route = selectVersion(this.table, req.headers, this.sticky, this.random);
    if (!route) {
      this.unrouted++;
      writeProblemToSocket(socket, 503, 'no_route', `no version of ${this.service} is routed`);
      return;
    }
    forwardUpgrade(this, req, socket, head, route, this.countersFor(route.version));
  }
}

/** Create the traffic router of one service (not yet listening; no routes: every request gets 503). */
export function createRouter(options: RouterOptions): Router {
  return new TrafficRouter(options.service, options);
}
