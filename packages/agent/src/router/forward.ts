import type { IncomingMessage, ServerResponse } from 'node:http';
import { Exchange, type BodyMode } from './exchange.js';
import { downstreamResponseHeaders, plainAddress, upstreamRequestHeaders } from './headers.js';
import type { VersionCounters } from './metrics.js';
import type { UpstreamPool } from './pool.js';
import { sendProblem } from './problem.js';
import { nextUpstream, type CompiledVersion, type Upstream } from './route-table.js';

/** What the request path needs from its router. */
export interface ForwardContext {
  readonly pool: UpstreamPool;
  readonly trustProxyHeaders: boolean;
  readonly proto: string;
  readonly closing: boolean;
  /** Called once per request when its response is complete or abandoned. */
  requestDone(): void;
}

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']);

function bodyMode(req: IncomingMessage): BodyMode {
  const length = req.headers['content-length'];
  if (length !== undefined) return length === '0' ? 'none' : 'length';
  return req.headers['transfer-encoding'] !== undefined ? 'chunked' : 'none';
}

/** The request line and headers for the upstream, as one string (values were validated by the server's parser). */
function requestHead(req: IncomingMessage, headers: string[], mode: BodyMode, upstream: Upstream): string {
  let head = `${req.method} ${req.url} HTTP/1.1\r\n`;
  let host = false;
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i] as string;
    if (name.length === 6 && name.toLowerCase() === 'expect') continue; // the router already answered 100-continue
    if (name.length === 4 && name.toLowerCase() === 'host') host = true;
    head += `${name}: ${headers[i + 1]}\r\n`;
  }
  if (!host) head += `Host: ${upstream.key}\r\n`;
  if (mode === 'chunked') head += 'Transfer-Encoding: chunked\r\n';
  return head + '\r\n';
}

/**
 * Proxy one request to an instance of `route`, streaming both bodies. A refused connection (or a
 * reused keep-alive connection closed before answering) is retried once on another instance when
 * the request is idempotent and has no body; otherwise the client gets a 502 (504 on timeout).
 */
export function forwardRequest(ctx: ForwardContext, req: IncomingMessage, res: ServerResponse, route: CompiledVersion, counters: VersionCounters): void {
  const started = performance.now();
  counters.inFlight++;
  const headers = upstreamRequestHeaders(req.rawHeaders, {
    clientAddress: plainAddress(req.socket.remoteAddress),
    proto: ctx.proto,
    trustProxyHeaders: ctx.trustProxyHeaders,
  });
  const mode = bodyMode(req);
  const retryable = mode === 'none' && IDEMPOTENT.has(req.method ?? '');
  let current: Exchange | undefined;
  let responded = false;

  res.once('close', () => {
    if (res.writableFinished) counters.observe(res.statusCode, (performance.now() - started) / 1000);
    else {
      counters.aborted++;
      current?.abort();
    }
    counters.inFlight--;
    ctx.requestDone();
  });
  res.on('drain', () => current?.resume());
  if (ctx.closing) res.setHeader('connection', 'close');

  const attempt = (upstream: Upstream, retried: boolean): void => {
    const entry = ctx.pool.entry(upstream);
    ctx.pool.acquire(entry);
    let released = false;
    const release = () => {
      if (!released) ctx.pool.release(entry);
      released = true;
    };
    current = new Exchange(entry, requestHead(req, headers, mode, upstream), req, mode, {
      head: (head) => {
        responded = true;
        if (head.reason) res.writeHead(head.status, head.reason, downstreamResponseHeaders(head.rawHeaders));
        else res.writeHead(head.status, downstreamResponseHeaders(head.rawHeaders));
      },
      body: (chunk) => res.write(chunk),
      end: () => {
        release();
        res.end();
      },
      fail: (err, replayable) => {
        release();
        if (responded) {
          res.destroy();
          return;
        }
        counters.upstreamErrors++;
        if (res.destroyed) return;
        if (!retried && retryable && replayable) {
          attempt(nextUpstream(route, upstream) ?? upstream, true);
          return;
        }
        if (err.code === 'UPSTREAM_TIMEOUT') sendProblem(res, 504, 'upstream_timeout', `version ${route.version} did not answer in time`);
        else sendProblem(res, 502, 'upstream_unavailable', `version ${route.version} could not be reached (${err.code ?? err.message})`);
      },
    });
  };

  const first = nextUpstream(route);
  if (!first) {
    sendProblem(res, 502, 'upstream_unavailable', `version ${route.version} has no instances`);
    return;
  }
  attempt(first, false);
}
