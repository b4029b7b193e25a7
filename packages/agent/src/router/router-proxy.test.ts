import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { freePort, httpRequest, startService, waitFor, type RunningService } from '../test-support/index.js';
import { createRouter, type Router } from './router.js';

let blue: RunningService;
let blue2: RunningService;
let router: Router;
let port: number;

beforeAll(async () => {
  [blue, blue2] = await Promise.all([startService('blue'), startService('blue')]);
  router = createRouter({ service: 'shop' });
  router.setRoutes({ versions: [{ version: 'blue', upstreams: [blue.upstream, blue2.upstream] }] });
  port = (await router.listen(0)).port;
});

afterAll(async () => {
  await router?.close({ timeoutMs: 2000 });
  await Promise.all([blue?.stop(), blue2?.stop()]);
});

describe('proxying', () => {
  it('forwards method, path, query, body and headers, and relays the response', async () => {
    const reply = await httpRequest(port, '/echo?x=1', {
      method: 'POST',
      headers: { host: 'shop.example', 'content-type': 'text/plain', 'x-forwarded-for': '203.0.113.7', connection: 'keep-alive, x-hop', 'x-hop': 'no' },
      body: 'hello',
    });
    expect(reply.status).toBe(200);
    expect(reply.headers['x-version']).toBe('blue');
    expect(reply.headers['x-secret-hop']).toBeUndefined();
    const echoed = JSON.parse(reply.body);
    expect(echoed).toMatchObject({ method: 'POST', url: '/echo?x=1', bodyBytes: 5 });
    expect(echoed.headers).toMatchObject({
      host: 'shop.example',
      'x-forwarded-for': '203.0.113.7, 127.0.0.1',
      'x-forwarded-proto': 'http',
      'x-forwarded-host': 'shop.example',
    });
    expect(echoed.headers['x-hop']).toBeUndefined();
  });

  it('round-robins over the instances of a version on kept-alive upstream connections', async () => {
    const replies = [];
    for (let i = 0; i < 6; i++) replies.push(await httpRequest(port, '/echo'));
    const ports = replies.map((r) => JSON.parse(r.body).port);
    expect(ports.filter((p) => p === blue.port)).toHaveLength(3);
    expect(ports.filter((p) => p === blue2.port)).toHaveLength(3);
    // Sequential requests reuse one kept-alive connection per instance: the same client port each time.
    const connections = new Set(replies.map((r) => `${JSON.parse(r.body).port}/${JSON.parse(r.body).remotePort}`));
    expect(connections.size).toBe(2);
  });

  it('streams a slow response as it is produced, not buffered', async () => {
    const chunks: { at: number; text: string }[] = [];
    const started = Date.now();
    await new Promise<void>((resolve, reject) => {
      request({ host: '127.0.0.1', port, path: '/slow?ms=2000&chunks=4' }, (res) => {
        res.setEncoding('utf8');
        res.on('data', (text: string) => chunks.push({ at: Date.now() - started, text }));
        res.on('end', resolve);
      })
        .on('error', reject)
        .end();
    });
    expect(chunks.map((c) => c.text).join('')).toBe([0, 1, 2, 3].map((i) => `chunk ${i} of blue\n`).join(''));
    expect(chunks.length).toBeGreaterThanOrEqual(2);
    expect(chunks[0]!.at).toBeLessThan(chunks[chunks.length - 1]!.at);
  });

  it('streams a large chunked upload through', async () => {
    const size = 8 * 1024 * 1024;
    const reply = await new Promise<string>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/echo', method: 'POST' }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (d: string) => (body += d));
        res.on('end', () => resolve(body));
      });
      req.on('error', reject);
      const block = Buffer.alloc(64 * 1024, 97);
      for (let sent = 0; sent < size; sent += block.length) req.write(block);
      req.end();
    });
    expect(JSON.parse(reply).bodyBytes).toBe(size);
  });

  it('proxies WebSocket upgrades both ways', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`);
    const messages: string[] = [];
    ws.on('message', (data) => messages.push(data.toString()));
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    await waitFor(() => router.stats().versions[0]!.openWebSockets === 1, { what: 'the tunnel to be counted' });
    ws.send('ping');
    ws.send('pong');
    await waitFor(() => messages.length === 2, { what: 'two echoes' });
    expect(messages).toEqual(['blue:ping', 'blue:pong']);
    ws.close();
    await waitFor(() => router.stats().versions[0]!.openWebSockets === 0, { what: 'the tunnel to close' });
  });

  it('answers an upgrade to a path the upstream refuses with its own answer', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/not-ws`);
    const status = await new Promise<number>((resolve) => ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)).once('error', () => resolve(-1)));
    expect(status).not.toBe(101);
  });
});

describe('failures', () => {
  it('answers 503 problem+json when no version is routed', async () => {
    const empty = createRouter({ service: 'empty' });
    const p = (await empty.listen(0)).port;
    try {
      const reply = await httpRequest(p, '/');
      expect(reply.status).toBe(503);
      expect(reply.headers['content-type']).toBe('application/problem+json');
      expect(JSON.parse(reply.body)).toMatchObject({ status: 503, code: 'no_route' });
      expect(empty.stats().unrouted).toBe(1);
    } finally {
      await empty.close();
    }
  });

  it('retries an idempotent request on another instance when one refuses, and 502s otherwise', async () => {
    const dead = `127.0.0.1:${await freePort()}`;
    const r = createRouter({ service: 'retry' });
    r.setRoutes({ versions: [{ version: 'blue', upstreams: [dead, blue.upstream] }] });
    const p = (await r.listen(0)).port;
    try {
      const gets = await Promise.all(Array.from({ length: 6 }, () => httpRequest(p, '/')));
      expect(gets.map((g) => g.status)).toEqual([200, 200, 200, 200, 200, 200]);
      expect(r.stats().versions[0]!.upstreamErrors).toBeGreaterThanOrEqual(3);

      // A POST with a body is never replayed: whoever draws the dead instance gets a 502 problem.
      const posts = await Promise.all(Array.from({ length: 4 }, () => httpRequest(p, '/echo', { method: 'POST', body: 'x' })));
      const failed = posts.filter((x) => x.status === 502);
      expect(failed.length).toBe(2);
      expect(JSON.parse(failed[0]!.body)).toMatchObject({ status: 502, code: 'upstream_unavailable' });

      r.setRoutes({ versions: [{ version: 'blue', upstreams: [dead] }] });
      expect((await httpRequest(p, '/')).status).toBe(502);
      expect(r.stats().versions[0]!.responses['5xx']).toBe(3);
    } finally {
      await r.close();
    }
  });

  it('answers 504 when the upstream stays silent past the timeout', async () => {
    const r = createRouter({ service: 'timeout', upstreamTimeoutMs: 300 });
    r.setRoutes({ versions: [{ version: 'blue', upstreams: [blue.upstream] }] });
    const p = (await r.listen(0)).port;
    try {
      const reply = await httpRequest(p, '/slow?ms=5000&chunks=1');
      expect(reply.status).toBe(504);
      expect(JSON.parse(reply.body).code).toBe('upstream_timeout');
    } finally {
      await r.close();
    }
  });
});
