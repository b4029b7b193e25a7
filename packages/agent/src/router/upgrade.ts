import { request as httpRequest, STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { downstreamResponseHeaders, plainAddress, upstreamRequestHeaders } from './headers.js';
import type { VersionCounters } from './metrics.js';
import { writeProblemToSocket } from './problem.js';
import { nextUpstream, type CompiledVersion } from './route-table.js';

export interface UpgradeContext {
  readonly upstreamTimeoutMs: number;
  readonly trustProxyHeaders: boolean;
  readonly proto: string;
  /** Open upgraded connections, so that closing the router can end them. */
  readonly tunnels: Set<Duplex>;
}

function rawHead(statusCode: number, statusMessage: string | undefined, raw: readonly string[]): string {
  let head = `HTTP/1.1 ${statusCode} ${statusMessage || STATUS_CODES[statusCode] || ''}\r\n`;
  for (let i = 0; i < raw.length; i += 2) head += `${raw[i]}: ${raw[i + 1]}\r\n`;
  return head + '\r\n';
}

/**
 * Proxy an `Upgrade` request (WebSocket): forward the handshake to an instance of `route`, relay
 * its answer, and on `101` pipe the two sockets into each other until either side closes.
 */
export function forwardUpgrade(ctx: UpgradeContext, req: IncomingMessage, socket: Duplex, head: Buffer, route: CompiledVersion, counters: VersionCounters): void {
  const started = performance.now();
  const upstream = nextUpstream(route);
  socket.on('error', () => socket.destroy());
  if (!upstream) {
    counters.observe(502, 0);
    writeProblemToSocket(socket, 502, 'upstream_unavailable', `version ${route.version} has no instances`);
    return;
  }
  const headers = upstreamRequestHeaders(req.rawHeaders, {
    clientAddress: plainAddress(req.socket.remoteAddress),
    proto: ctx.proto,
    trustProxyHeaders: ctx.trustProxyHeaders,
    upgrade: req.headers.upgrade ?? 'websocket',
  });
  counters.inFlight++;
  let settled = false;
  const settle = (status: number) => {
    if (settled) return;
    settled = true;
    counters.inFlight--;
    counters.observe(status, (performance.now() - started) / 1000);
  };
  const preq = httpRequest({ host: upstream.host, port: upstream.port, method: req.method, path: req.url, headers, agent: false, setHost: false });
  preq.setTimeout(ctx.upstreamTimeoutMs, () => preq.destroy(Object.assign(new Error('upstream timed out'), { code: 'UPSTREAM_TIMEOUT' })));
  socket.once('close', () => {
    if (!settled) {
      settled = true;
      counters.inFlight--;
      counters.aborted++;
      preq.destroy();
    }
  });

  preq.once('upgrade', (pres, upstreamSocket: Socket, upstreamHead: Buffer) => {
    settle(101);
    if (socket.destroyed) {
      upstreamSocket.destroy();
      return;
    }
    upstreamSocket.setTimeout(0);
    upstreamSocket.setNoDelay(true);
    socket.write(rawHead(pres.statusCode ?? 101, pres.statusMessage, pres.rawHeaders));
    if (upstreamHead.length > 0) socket.write(upstreamHead);
    if (head.length > 0) upstreamSocket.write(head);
    counters.openWebSockets++;
    ctx.tunnels.add(socket);
    let open = true;
    const end = () => {
      if (!open) return;
      open = false;
      counters.openWebSockets--;
      ctx.tunnels.delete(socket);
      socket.destroy();
      upstreamSocket.destroy();
    };
    upstreamSocket.on('error', end).on('close', end);
    socket.on('error', end).on('close', end);
    upstreamSocket.pipe(socket);
    socket.pipe(upstreamSocket);
  });

  preq.once('response', (pres) => {
    // The upstream declined the upgrade: relay its ordinary answer and close.
    settle(pres.statusCode ?? 502);
    // The body is written decoded and delimited by closing the connection.
    const kept = downstreamResponseHeaders(pres.rawHeaders).concat(['Connection', 'close']);
    socket.write(rawHead(pres.statusCode ?? 502, pres.statusMessage, kept));
    pres.pipe(socket);
  });

  preq.on('error', (err: NodeJS.ErrnoException) => {
    if (settled) {
      socket.destroy();
      return;
    }
    counters.upstreamErrors++;
    settle(err.code === 'UPSTREAM_TIMEOUT' ? 504 : 502);
    if (err.code === 'UPSTREAM_TIMEOUT') writeProblemToSocket(socket, 504, 'upstream_timeout', `version ${route.version} did not answer in time`);
    else writeProblemToSocket(socket, 502, 'upstream_unavailable', `version ${route.version} could not be reached (${err.code ?? err.message})`);
  });
  preq.end();
}
