import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from './client.js';
import { ApiError, NetworkError } from './errors.js';

/** A stand-in server on a real socket: pages of two, a problem, and a proxy's HTML error page. */
let server: Server;
let url = '';
const seen: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url} ${req.headers.authorization ?? '-'}`);
    const target = new URL(req.url ?? '/', 'http://x');
    if (target.pathname === '/api/v1/things') {
      const from = Number(target.searchParams.get('cursor') ?? 0);
      const size = Number(target.searchParams.get('limit'));
      const items = Array.from({ length: 7 }, (_, i) => ({ n: i })).slice(from, from + Math.min(size, 2));
      const next = from + items.length < 7 ? String(from + items.length) : null;
      res.setHeader('content-type', 'application/json').end(JSON.stringify({ items, nextCursor: next }));
    } else if (target.pathname === '/api/v1/missing') {
      res.writeHead(404, { 'content-type': 'application/problem+json' })
        .end(JSON.stringify({ type: 'x', title: 'Not Found', status: 404, detail: 'service "nope" does not exist', code: 'service_not_found' }));
    } else {
      res.writeHead(502, { 'content-type': 'text/html' }).end('<html><body>Bad gateway</body></html>');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('the API client', () => {
  it('follows cursors until the limit, and sends the token', async () => {
    seen.length = 0;
    const page = await createClient({ url, token: 'secret' }).collect<{ n: number }>('/things', { kind: 'a' }, 5);
    expect(page.items.map((i) => i.n)).toEqual([0, 1, 2, 3, 4]);
    expect(page.nextCursor).toBe('5');
    expect(seen).toEqual([
      'GET /api/v1/things?kind=a&limit=5 Bearer secret',
      'GET /api/v1/things?kind=a&limit=3&cursor=2 Bearer secret',
      'GET /api/v1/things?kind=a&limit=1&cursor=4 Bearer secret',
    ]);
    expect((await createClient({ url, token: undefined }).collect('/things', {}, 100)).items).toHaveLength(7);
  });

  it('turns a problem into an ApiError with its code and detail', async () => {
    const error = await createClient({ url, token: 't' }).get('/missing').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 404, code: 'service_not_found', message: 'service "nope" does not exist (service_not_found)' });
  });

  it('reports an answer that is not a Gantry problem as what it is', async () => {
    const error = await createClient({ url, token: 't' }).get('/elsewhere').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'http_502', detail: expect.stringContaining('answered HTTP 502 Bad Gateway: <html><body>Bad gateway</body></html>') });
  });

  it('says when nothing answers at all', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const address = closed.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const error = await createClient({ url: `http://127.0.0.1:${port}`, token: 't' }).get('/x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetworkError);
    expect((error as Error).message).toMatch(new RegExp(`^cannot reach Gantry at http://127\\.0\\.0\\.1:${port}: connect ECONNREFUSED`));
  });
});
