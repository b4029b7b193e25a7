import { Agent, request } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { httpRequest, startService, waitFor, type RunningService } from '../test-support/index.js';
import { stickyBucket } from './bucket.js';
import { diffStats } from './metrics.js';
import { formatPrometheus } from './prometheus.js';
import { createRouter, type Router } from './router.js';

let blue: RunningService;
let green: RunningService;
let flaky: RunningService;
let router: Router;
let port: number;
const agent = new Agent({ keepAlive: true, maxSockets: 64 });

const only = (version: RunningService) => ({ versions: [{ version: version.version, upstreams: [version.upstream] }] });
const split = (blueWeight: number, extra: object = {}) => ({
  versions: [
    { version: 'blue', upstreams: [blue.upstream], weight: blueWeight },
    { version: 'green', upstreams: [green.upstream], weight: 100_000 - blueWeight },
  ],
  ...extra,
});
const versionOf = async (headers: Record<string, string> = {}) => (await httpRequest(port, '/', { headers, agent })).headers['x-version'];

beforeAll(async () => {
  [blue, green, flaky] = await Promise.all([startService('blue'), startService('green'), startService('flaky', { FAIL_EVERY: '4' })]);
  router = createRouter({ service: 'shop' });
  port = (await router.listen(0)).port;
});

afterEach(() => router.setRoutes(only(blue)));

afterAll(async () => {
  agent.destroy();
  await router?.close({ timeoutMs: 2000 });
  await Promise.all([blue?.stop(), green?.stop(), flaky?.stop()]);
});

describe('weights', () => {
  it('splits unsticky traffic by weight out of 100 000', async () => {
    router.setRoutes(split(90_000));
    const counts: Record<string, number> = {};
    for (let batch = 0; batch < 20; batch++) {
      const versions = await Promise.all(Array.from({ length: 100 }, () => versionOf()));
      for (const v of versions) counts[v as string] = (counts[v as string] ?? 0) + 1;
    }
    expect(counts.blue! + counts.green!).toBe(2000);
    expect(counts.green! / 2000).toBeGreaterThan(0.07);
    expect(counts.green! / 2000).toBeLessThan(0.13);
  });
});

describe('stickiness', () => {
  it('keeps a cookie on one version, the one its bucket names', async () => {
    router.setRoutes(split(50_000, { stickiness: { cookie: 'sid' } }));
    for (let i = 0; i < 40; i++) {
      const sid = `session-${i}`;
      const expected = stickyBucket('shop', sid) < 50_000 ? 'blue' : 'green';
      const seen = await Promise.all([1, 2, 3].map(() => versionOf({ cookie: `theme=dark; sid=${sid}` })));
      expect(seen).toEqual([expected, expected, expected]);
    }
  });

  it('keeps a header value on one version, and canary users stay as the weight grows', async () => {
    const users = Array.from({ length: 60 }, (_, i) => `user-${i}`);
    const onGreen = async (greenWeight: number) => {
      router.setRoutes(split(100_000 - greenWeight, { stickiness: { header: 'x-user' } }));
      const versions = await Promise.all(users.map((u) => versionOf({ 'x-user': u })));
      return new Set(users.filter((_, i) => versions[i] === 'green'));
    };
    const at20 = await onGreen(20_000);
    const at60 = await onGreen(60_000);
    expect(at20.size).toBeGreaterThan(0);
    for (const u of at20) expect(at60.has(u)).toBe(true);
    expect(await onGreen(100_000)).toEqual(new Set(users));
  });
});

describe('header routes (dark deployment)', () => {
  it('sends only requests with the header to a version no user is weighted onto', async () => {
    router.setRoutes({
      versions: [
        { version: 'blue', upstreams: [blue.upstream], weight: 100_000 },
        { version: 'green', upstreams: [green.upstream], weight: 0 },
      ],
      headerRoutes: [{ header: 'X-Gantry-Version', value: 'green', version: 'green' }],
    });
    const plain = await Promise.all(Array.from({ length: 50 }, () => versionOf()));
    expect(new Set(plain)).toEqual(new Set(['blue']));
    const tagged = await Promise.all(Array.from({ length: 10 }, () => versionOf({ 'x-gantry-version': 'green' })));
    expect(new Set(tagged)).toEqual(new Set(['green']));
    expect(await versionOf({ 'x-gantry-version': 'other' })).toBe('blue');
  });
});

describe('blue-green switch', () => {
  it('moves every new request at once, with no failed request under concurrent load', async () => {
    router.setRoutes(only(blue));
    const results: { sentAt: number; version: string | undefined; ok: boolean }[] = [];
    let switchedAt = Infinity;
    let running = true;
    const one = () =>
      new Promise<void>((resolve) => {
        const sentAt = performance.now();
        request({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
          res.resume();
          res.on('end', () => {
            results.push({ sentAt, version: res.headers['x-version'] as string | undefined, ok: res.statusCode === 200 });
            resolve();
          });
        })
          .on('error', () => {
            results.push({ sentAt, version: undefined, ok: false });
            resolve();
          })
          .end();
      });
    const loops = Array.from({ length: 32 }, async () => {
      while (running) await one();
    });
    await waitFor(() => results.length >= 300, { what: 'load on blue' });
    router.setRoutes(only(green));
    switchedAt = performance.now();
    const atSwitch = results.length;
    await waitFor(() => results.length >= atSwitch + 300, { what: 'load on green' });
    running = false;
    await Promise.all(loops);

    expect(results.filter((r) => !r.ok)).toEqual([]);
    const after = results.filter((r) => r.sentAt > switchedAt);
    expect(after.length).toBeGreaterThan(250);
    expect(after.filter((r) => r.version !== 'green')).toEqual([]);
    expect(results.filter((r) => r.version === 'blue').length).toBeGreaterThanOrEqual(300 - 32);
  });
});

describe('draining', () => {
  const slow = (path: string) =>
    new Promise<{ status: number; body: string; complete: boolean }>((resolve) => {
      request({ host: '127.0.0.1', port, path }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, complete: res.complete }));
        res.on('error', () => resolve({ status: res.statusCode ?? 0, body, complete: false }));
      })
        .on('error', () => resolve({ status: 0, body: '', complete: false }))
        .end();
    });

  it('lets a request in flight on a removed version finish, and reports when it is drained', async () => {
    router.setRoutes(only(blue));
    const inFlight = slow('/slow?ms=1500&chunks=3');
    await waitFor(() => router.inFlight('blue') === 1, { what: 'the slow request to start' });
    router.setRoutes(only(green));
    expect(await versionOf()).toBe('green');
    expect(router.inFlight('blue')).toBe(1);
    expect(router.stats().versions.find((v) => v.version === 'blue')).toMatchObject({ routed: false, weight: 0, inFlight: 1 });
    expect(await router.waitDrained('blue', 20_000)).toBe(true);
    const done = await inFlight;
    expect(done).toMatchObject({ status: 200, complete: true });
    expect(done.body).toContain('chunk 2 of blue');
  });

  it('closing waits for requests in flight, then cuts them at the timeout', async () => {
    const r = createRouter({ service: 'closing' });
    r.setRoutes(only(blue));
    const p = (await r.listen(0)).port;
    const get = (path: string) =>
      new Promise<{ complete: boolean }>((resolve) => {
        request({ host: '127.0.0.1', port: p, path }, (res) => {
          res.resume();
          res.on('end', () => resolve({ complete: res.complete }));
          res.on('error', () => resolve({ complete: false }));
        })
          .on('error', () => resolve({ complete: false }))
          .end();
      });
    const finishing = get('/slow?ms=800&chunks=2');
    await waitFor(() => r.inFlight() === 1, { what: 'request in flight' });
    await r.close({ timeoutMs: 20_000 });
    expect(await finishing).toEqual({ complete: true });

    const r2 = createRouter({ service: 'cut' });
    r2.setRoutes(only(blue));
    const p2 = (await r2.listen(0)).port;
    const cut = new Promise<{ complete: boolean }>((resolve) => {
      request({ host: '127.0.0.1', port: p2, path: '/slow?ms=20000&chunks=2' }, (res) => {
        res.resume();
        res.on('end', () => resolve({ complete: res.complete }));
        res.on('error', () => resolve({ complete: false }));
      })
        .on('error', () => resolve({ complete: false }))
        .end();
    });
    await waitFor(() => r2.inFlight() === 1, { what: 'request in flight' });
    const started = Date.now();
    await r2.close({ timeoutMs: 200 });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(await cut).toEqual({ complete: false });
  });
});

describe('counters per version', () => {
  it('counts requests, 5xx and latency per version, for windows and /metrics', async () => {
    router.setRoutes({
      versions: [
        { version: 'blue', upstreams: [blue.upstream], weight: 50_000 },
        { version: 'flaky', upstreams: [flaky.upstream], weight: 50_000 },
      ],
      stickiness: { header: 'x-user' },
    });
    const userOn = (version: string) => {
      for (let i = 0; ; i++) if ((stickyBucket('shop', `u${i}`) < 50_000 ? 'blue' : 'flaky') === version) return `u${i}`;
    };
    const before = router.stats();
    for (let i = 0; i < 40; i++) await httpRequest(port, '/', { headers: { 'x-user': userOn('flaky') }, agent });
    for (let i = 0; i < 20; i++) await httpRequest(port, '/', { headers: { 'x-user': userOn('blue') }, agent });
    const after = router.stats();

    const flakyStats = after.versions.find((v) => v.version === 'flaky')!;
    expect(flakyStats).toMatchObject({ requests: 40, routed: true, weight: 50_000, inFlight: 0 });
    expect(flakyStats.responses['5xx']).toBe(10);
    expect(flakyStats.latency.count).toBe(40);

    const window = diffStats(before, after);
    const w = Object.fromEntries(window.versions.map((v) => [v.version, v]));
    expect(w.flaky).toMatchObject({ requests: 40, errors5xx: 10, errorRate: 0.25 });
    expect(w.blue).toMatchObject({ requests: 20, errors5xx: 0, errorRate: 0 });
    expect(w.blue!.p99).toBeGreaterThan(0);

    const text = formatPrometheus(after);
    expect(text).toContain('gantry_router_requests_total{service="shop",version="flaky",status_class="5xx"} 10');
    expect(text).toContain('gantry_router_request_duration_seconds_count{service="shop",version="flaky"} 40');
  });
});
