import type { ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { STATUS_CODES } from 'node:http';

/** Stable codes of the problems the router answers itself (RFC 9457 `code` extension member). */
export type RouterProblemCode = 'no_route' | 'upstream_unavailable' | 'upstream_timeout' | 'router_closing';

function problemBody(status: number, code: RouterProblemCode, detail: string): string {
  return JSON.stringify({ type: `https://gantry.dev/problems/${code}`, title: STATUS_CODES[status], status, code, detail });
}

/** Answer a request with an `application/problem+json` response. */
export function sendProblem(res: ServerResponse, status: number, code: RouterProblemCode, detail: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = problemBody(status, code, detail);
  res.writeHead(status, { 'content-type': 'application/problem+json', 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
  res.end(body);
}

/** The same, written raw on a socket whose upgrade request cannot be proxied. */
export function writeProblemToSocket(socket: Duplex, status: number, code: RouterProblemCode, detail: string): void {
  if (socket.destroyed) return;
  const body = problemBody(status, code, detail);
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/problem+json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
