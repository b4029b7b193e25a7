import { createHash } from 'node:crypto';
import { request } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { httpRequest } from '../test-support/index.js';
import { createRouter, type Router } from './router.js';

/** A raw TCP upstream: `answer` gets each request head (and its socket) and writes whatever bytes it likes. */
async function rawUpstream(answer: (head: string, socket: Socket, count: number) => void): Promise<{ server: Server; upstream: string; connections: () => number }> {
  let connections = 0;
  const server = createServer((socket) => {
    connections++;
    let buffered = '';
    let count = 0;
    socket.on('data', (d) => {
      buffered += d.toString('latin1');
      let end: number;
      while ((end = buffered.indexOf('\r\n\r\n')) !== -1) {
        const head = buffered.slice(0, end);
        buffered = buffered.slice(end + 4);
        const length = /content-length: (\d+)/i.exec(head);
        if (length) buffered = buffered.slice(Number(length[1]));
        answer(head, socket, ++count);
      }
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  return { server, upstream: `127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`, connections: () => connections };
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function routerTo(upstream: string, options: { upstreamTimeoutMs?: number } = {}): Promise<{ router: Router; port: number }> {
  const router = createRouter({ service: 'raw', ...options });
  router.setRoutes({ versions: [{ version: '1', upstreams: [upstream] }] });
  const port = (await router.listen(0)).port;
  cleanups.push(() => router.close({ timeoutMs: 1000 }));
  return { router, port };
}

async function upstreamThat(answer: Parameters<typeof rawUpstream>[0]) {
  const u = await rawUpstream(answer);
  cleanups.push(() => new Promise<void>((r) => u.server.close(() => r())));
  return u;
}

describe('upstream responses, byte by byte', () => {
  it('relays a chunked response written in tiny pieces', async () => {
    const u = await upstreamThat((_head, socket) => {
      const raw = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-Kind: chunked\r\n\r\n3\r\nabc\r\n3;x=y\r\ndef\r\n0\r\n\r\n';
      for (const ch of raw) socket.write(ch);
    });
    const { port } = await routerTo(u.upstream);
    const reply = await httpRequest(port, '/');
    expect(reply).toMatchObject({ status: 200, body: 'abcdef' });
    expect(reply.headers['x-kind']).toBe('chunked');
  });

  it('relays a close-delimited body, then opens a new connection', async () => {
    const u = await upstreamThat((_head, socket) => socket.end('HTTP/1.1 200 OK\r\n\r\nto the end'));
    const { port } = await routerTo(u.upstream);
    expect((await httpRequest(port, '/')).body).toBe('to the end');
    expect((await httpRequest(port, '/')).body).toBe('to the end');
    expect(u.connections()).toBe(2);
  });

  it('skips 100 Continue and passes HEAD and 304 without bodies', async () => {
    const u = await upstreamThat((head, socket) => {
      if (head.startsWith('HEAD')) socket.write('HTTP/1.1 200 OK\r\nContent-Length: 42\r\n\r\n');
      else if (head.includes('if-none-match')) socket.write('HTTP/1.1 304 Not Modified\r\nETag: "x"\r\n\r\n');
      else socket.write('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    });
    const { port } = await routerTo(u.upstream);
    expect(await httpRequest(port, '/', { method: 'HEAD' })).toMatchObject({ status: 200, body: '' });
    expect((await httpRequest(port, '/', { method: 'HEAD' })).headers['content-length']).toBe('42');
    expect(await httpRequest(port, '/', { headers: { 'if-none-match': '"x"' } })).toMatchObject({ status: 304, body: '' });
    expect(await httpRequest(port, '/')).toMatchObject({ status: 200, body: 'ok' });
    expect(u.connections()).toBe(1);
  });

  it('passes a large body through intact, both framings', async () => {
    const blob = Buffer.alloc(6 * 1024 * 1024);
    for (let i = 0; i < blob.length; i++) blob[i] = (i * 7919) & 0xff;
    const u = await upstreamThat((head, socket) => {
      if (head.includes('/chunked')) {
        socket.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n');
        for (let at = 0; at < blob.length; at += 100_000) {
          const part = blob.subarray(at, at + 100_000);
          socket.write(`${part.length.toString(16)}\r\n`);
          socket.write(part);
          socket.write('\r\n');
        }
        socket.write('0\r\n\r\n');
      } else {
        socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${blob.length}\r\n\r\n`);
        socket.write(blob);
      }
    });
    const { port } = await routerTo(u.upstream);
    const digest = (path: string) =>
      new Promise<string>((resolve, reject) => {
        request({ host: '127.0.0.1', port, path }, (res) => {
          const hash = createHash('sha256');
          res.on('data', (d: Buffer) => hash.update(d));
          res.on('end', () => resolve(hash.digest('hex')));
        })
          .on('error', reject)
          .end();
      });
    const expected = createHash('sha256').update(blob).digest('hex');
    expect(await digest('/length')).toBe(expected);
    expect(await digest('/chunked')).toBe(expected);
  });
});

describe('upstream failures', () => {
  it('replays a GET when a kept-alive connection turns out closed, but never a POST', async () => {
    const u = await upstreamThat((_head, socket, count) => {
      // Each connection answers once, then drops the next request unanswered (a stale keep-alive race).
      if (count === 1) socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
      else socket.destroy();
    });
    const { router, port } = await routerTo(u.upstream);
    expect((await httpRequest(port, '/')).status).toBe(200);
    expect((await httpRequest(port, '/')).status).toBe(200);
    expect(router.stats().versions[0]!.upstreamErrors).toBe(1);
    const post = await httpRequest(port, '/', { method: 'POST', body: 'data' });
    expect(post.status).toBe(502);
  });

  it('answers 502 to a malformed or ambiguous response', async () => {
    const u = await upstreamThat((head, socket) => {
      if (head.includes('/garbage')) socket.write('NOT HTTP\r\n\r\n');
      else socket.write('HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nok');
    });
    const { port } = await routerTo(u.upstream);
    expect((await httpRequest(port, '/garbage')).status).toBe(502);
    expect((await httpRequest(port, '/ambiguous')).status).toBe(502);
  });

  it('cuts the client response when the upstream dies mid-body', async () => {
    const u = await upstreamThat((_head, socket) => {
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly part');
      setTimeout(() => socket.destroy(), 50);
    });
    const { router, port } = await routerTo(u.upstream);
    const complete = await new Promise<boolean>((resolve) => {
      request({ host: '127.0.0.1', port, path: '/' }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.complete));
        res.on('error', () => resolve(false));
        res.on('aborted', () => resolve(false));
      })
        .on('error', () => resolve(false))
        .end();
    });
    expect(complete).toBe(false);
    expect(router.inFlight()).toBe(0);
  });

  it('queues requests beyond the connection limit instead of failing them', async () => {
    const u = await upstreamThat((_head, socket) => setTimeout(() => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'), 20));
    const router = createRouter({ service: 'raw', maxSocketsPerUpstream: 2 });
    router.setRoutes({ versions: [{ version: '1', upstreams: [u.upstream] }] });
    const port = (await router.listen(0)).port;
    cleanups.push(() => router.close({ timeoutMs: 1000 }));
    const replies = await Promise.all(Array.from({ length: 10 }, () => httpRequest(port, '/')));
    expect(replies.map((r) => r.status)).toEqual(new Array(10).fill(200));
    expect(u.connections()).toBe(2);
  });
});
