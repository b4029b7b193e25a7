import { request as httpRequest, type ClientRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { downstreamResponseHeaders, plainAddress, upstreamRequestHeaders } from './headers.js';
import type { VersionCounters } from './metrics.js';
import type { UpstreamPool } from './pool.js';
import { sendProblem } from './problem.js';
import { nextUpstream, type CompiledVersion, type Upstream } from './route-table.js';

/** What the request path needs from its router. */
export interface ForwardContext {
  readonly pool: UpstreamPool;
  readonly upstreamTimeoutMs: number;
  readonly trustProxyHeaders: boolean;
  readonly proto: string;
  readonly closing: boolean;
  /** Called once per request when its response is complete or abandoned. */
  requestDone(): void;
}

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']);

class UpstreamTimeout extends Error {
  readonly code = 'UPSTREAM_TIMEOUT';
}

function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/**
 * Proxy one request to an instance of `route`, streaming both bodies. A refused connection (or a
 * reset on a reused keep-alive socket) is retried once on another instance when the request is
 * idempotent and has no body; otherwise the client gets a 502 (504 on upstream timeout) problem.
 */
export function forwardRequest(ctx: ForwardContext, req: IncomingMessage, res: ServerResponse, route: CompiledVersion, counters: VersionCounters): void {
  const started = performance.now();
  counters.inFlight++;
  const headers = upstreamRequestHeaders(req.rawHeaders, {
    clientAddress: plainAddress(req.socket.remoteAddress),
    proto: ctx.proto,
    trustProxyHeaders: ctx.trustProxyHeaders,
  });
  const withBody = hasBody(req);
  const retryable = !withBody && IDEMPOTENT.has(req.method ?? '');
  let current: ClientRequest | undefined;
  let responded = false;

  res.once('close', () => {
    if (res.writableFinished) counters.observe(res.statusCode, (performance.now() - started) / 1000);
    else {
      counters.aborted++;
      current?.destroy();
    }
    counters.inFlight--;
    ctx.requestDone();
  });
  if (ctx.closing) res.setHeader('connection', 'close');

  const attempt = (upstream: Upstream, retried: boolean): void => {
    const entry = ctx.pool.entry(upstream);
    ctx.pool.acquire(entry);
    const preq = httpRequest({
      host: entry.host,
      port: entry.port,
      method: req.method,
      path: req.url,
      headers: headers,
      agent: entry.agent,
      setHost: false,
    });
    current = preq;
    preq.once('close', () => ctx.pool.release(entry));
    // The pool's agent sets the inactivity timeout on its sockets; the request re-emits it.
    preq.once('timeout', () => preq.destroy(new UpstreamTimeout('upstream timed out')));
    preq.once('response', (pres) => {
      responded = true;
      if (res.destroyed) {
        pres.destroy();
        return;
      }
      res.writeHead(pres.statusCode ?? 502, downstreamResponseHeaders(pres.rawHeaders));
      pres.on('error', () => res.destroy());
      pres.pipe(res);
    });
    preq.on('error', (err: NodeJS.ErrnoException) => {
      if (responded) {
        res.destroy();
        return;
      }
      counters.upstreamErrors++;
      if (res.destroyed) return;
      const code = err.code;
      const again = !retried && retryable && (code === 'ECONNREFUSED' || (code === 'ECONNRESET' && preq.reusedSocket));
      if (again) {
        attempt(nextUpstream(route, upstream) ?? upstream, true);
        return;
      }
      if (code === 'UPSTREAM_TIMEOUT') sendProblem(res, 504, 'upstream_timeout', `version ${route.version} did not answer in time`);
      else sendProblem(res, 502, 'upstream_unavailable', `version ${route.version} could not be reached (${code ?? err.message})`);
    });
    if (withBody && !retried) req.pipe(preq);
    else preq.end();
  };

  const first = nextUpstream(route);
  if (!first) {
    sendProblem(res, 502, 'upstream_unavailable', `version ${route.version} has no instances`);
    return;
  }
  attempt(first, false);
}
