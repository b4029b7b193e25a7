import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A tiny static server for the browser test: serves the given files and proxies `/ofrep/*` to the
 * Gantry server, so the page calls OFREP on its own origin (Gantry has no CORS for OFREP yet).
 * When Gantry is down the proxy answers 502, as a reverse proxy in front of it would.
 */
export async function startPageServer(files: Record<string, { type: string; body: string | Buffer }>, gantryUrl: string) {
  const upstream = new URL(gantryUrl);
  const proxy = (req: IncomingMessage, res: ServerResponse) => {
    const headers = { ...req.headers, host: upstream.host };
    const out = httpRequest({ hostname: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    out.on('error', () => {
      if (res.headersSent) return res.destroy();
      res.writeHead(502, { 'content-type': 'application/json' }).end('{"errorCode":"GENERAL","errorDetails":"upstream unavailable"}');
    });
    req.pipe(out);
  };
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://page').pathname;
    if (path.startsWith('/ofrep/')) return proxy(req, res);
    const file = files[path];
    if (!file) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': file.type, 'cache-control': 'no-store' }).end(file.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
