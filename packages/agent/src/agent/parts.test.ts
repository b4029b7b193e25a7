import { describe, expect, it } from 'vitest';
import type { VersionStats } from '../router/metrics.js';
import { Backoff } from './backoff.js';
import { InvalidDesiredStateError, parseDesiredState } from './desired.js';
import { LogShipper, MAX_BATCH } from './log-shipper.js';
import { toCounters } from './report.js';
import { planRoutes, sameTable } from './routes.js';
import type { ShippedLogLine } from './types.js';

describe('planRoutes', () => {
  const ups: Record<string, string[]> = { a: ['127.0.0.1:1001', '127.0.0.1:1002'], b: ['127.0.0.1:2001'], dark: [] };
  const upstreams = (v: string) => ups[v] ?? [];

  it('fills in upstreams and keeps order, weights, stickiness and header routes', () => {
    const plan = planRoutes(
      { versions: [{ version: 'b', weight: 10_000 }, { version: 'a', weight: 90_000 }], stickiness: { cookie: 'gantry-sticky' }, headerRoutes: [{ header: 'x-v', value: 'b', version: 'b' }] },
      upstreams,
    );
    expect(plan).toEqual({
      ok: true,
      table: {
        versions: [{ version: 'b', upstreams: ['127.0.0.1:2001'], weight: 10_000 }, { version: 'a', upstreams: ['127.0.0.1:1001', '127.0.0.1:1002'], weight: 90_000 }],
        stickiness: { cookie: 'gantry-sticky' },
        headerRoutes: [{ header: 'x-v', value: 'b', version: 'b' }],
      },
    });
  });

  it('refuses a table where a weighted version has no healthy instance (never route to nothing)', () => {
    expect(planRoutes({ versions: [{ version: 'a', weight: 50_000 }, { version: 'dark', weight: 50_000 }] }, upstreams)).toEqual({ ok: false, reason: 'version dark has weight 50000 but no healthy instance' });
  });

  it('leaves out weight-0 versions without instances, and header routes to them', () => {
    const plan = planRoutes({ versions: [{ version: 'a', weight: 100_000 }, { version: 'dark', weight: 0 }], headerRoutes: [{ header: 'x-v', value: 'dark', version: 'dark' }] }, upstreams);
    expect(plan).toEqual({ ok: true, table: { versions: [{ version: 'a', upstreams: ups.a, weight: 100_000 }] } });
  });

  it('compares tables by what they route', () => {
    const t = { versions: [{ version: 'a', upstreams: ['127.0.0.1:1'] }] };
    expect(sameTable(t, { versions: [{ version: 'a', upstreams: ['127.0.0.1:1'], weight: 100_000 }] })).toBe(true);
    expect(sameTable(t, { versions: [{ version: 'a', upstreams: ['127.0.0.1:2'] }] })).toBe(false);
    expect(sameTable(t, { ...t, stickiness: { header: 'x-user' } })).toBe(false);
  });
});

describe('toCounters', () => {
  it('turns the router histogram (seconds, cumulative) into the protocol shape (ms, per bucket)', () => {
    const stats = {
      version: '1', routed: true, weight: 100_000, requests: 10, responses: { '1xx': 0, '2xx': 7, '3xx': 0, '4xx': 1, '5xx': 2 },
      upstreamErrors: 0, aborted: 0, inFlight: 0, openWebSockets: 0,
      latency: { bounds: [0.005, 0.01, 0.0025e3], counts: [4, 7, 9, 10], sum: 1, count: 10 },
    } satisfies VersionStats;
    expect(toCounters(stats)).toEqual({ requests: 10, errors5xx: 2, latencyMs: { buckets: [5, 10, 2500], counts: [4, 3, 2, 1] } });
  });
});

describe('parseDesiredState', () => {
  const version = { version: '1', deploymentId: 3, artifact: { url: 'http://a/x.tgz', digest: 'sha256:' + 'a'.repeat(64), fetchCommand: null, unpack: 'tar' }, run: { command: ['node', 'server.js'], env: { A: '1' }, instances: 2 } };

  it('accepts the protocol document', () => {
    const state = parseDesiredState({ revision: 4, services: [{ service: 'web', port: 8080, versions: [version], routes: { versions: [{ version: '1', weight: 100_000 }] }, drainTimeoutMs: 1000 }] });
    expect(state.services[0]).toMatchObject({ service: 'web', port: 8080, drainTimeoutMs: 1000, versions: [{ version: '1', deploymentId: 3, run: { instances: 2, env: { A: '1' } } }] });
  });

  it.each([
    [{ services: [] }, 'revision must be an integer ≥ 0'],
    [{ revision: 1, services: [{ service: 'web', port: 70000, versions: [], routes: { versions: [] } }] }, 'services[0].port must be at most 65535'],
    [{ revision: 1, services: [{ service: 'web', port: 80, versions: [{ ...version, run: { command: [] } }], routes: { versions: [] } }] }, 'services[0].versions[0].run.command must be a string or an array of strings'],
    [{ revision: 1, services: [{ service: 'web', port: 80, versions: [{ ...version, artifact: { digest: 'sha256:x', url: null, fetchCommand: null } }], routes: { versions: [] } }] }, 'services[0].versions[0].artifact needs a url or a fetchCommand'],
    [{ revision: 1, services: [{ service: 'a', port: 80, versions: [], routes: { versions: [] } }, { service: 'b', port: 80, versions: [], routes: { versions: [] } }] }, 'two services want the same port'],
  ])('refuses %j', (doc, message) => {
    expect(() => parseDesiredState(doc)).toThrow(new InvalidDesiredStateError(message));
  });
});

describe('LogShipper', () => {
  const line = (n: number): ShippedLogLine => ({ deploymentId: 1, service: 's', version: 'v', instance: 'i', stream: 'stdout', message: `line ${n}`, at: '2025-01-01T00:00:00.000Z' });

  it('sends batches of at most 1,000 lines, in order', async () => {
    const batches: ShippedLogLine[][] = [];
    const shipper = new LogShipper({ send: async (lines) => void batches.push(lines), flushMs: 60_000 });
    shipper.resume();
    for (let i = 0; i < 2_500; i++) shipper.push(line(i));
    await shipper.flush();
    shipper.pause();
    expect(batches.map((b) => b.length)).toEqual([MAX_BATCH, MAX_BATCH, 500]);
    expect(batches.flat().map((l) => l.message)).toEqual(Array.from({ length: 2_500 }, (_, i) => `line ${i}`));
    expect(shipper.shipped).toBe(2_500);
  });

  it('keeps lines while sending fails, drops the oldest beyond its bound, and counts them', async () => {
    let up = false;
    const sent: ShippedLogLine[] = [];
    const shipper = new LogShipper({ send: async (lines) => { if (!up) throw new Error('away'); sent.push(...lines); }, maxBuffered: 50, flushMs: 60_000 });
    shipper.resume();
    for (let i = 0; i < 80; i++) shipper.push(line(i));
    await shipper.flush();
    expect(shipper.dropped).toBe(30);
    expect(shipper.buffered).toBe(50);
    up = true;
    await shipper.flush();
    shipper.pause();
    expect(sent.map((l) => l.message)).toEqual(Array.from({ length: 50 }, (_, i) => `line ${i + 30}`));
  });

  it('flush() with nothing buffered still waits for a send already on its way', async () => {
    // The agent sends its status only after its output: a deployment can finish on that status,
    // and the server drops lines that reach a finished deployment.
    let release!: () => void;
    const landed: string[] = [];
    const shipper = new LogShipper({ send: (lines) => new Promise<void>((resolve) => (release = () => { landed.push(...lines.map((l) => l.message)); resolve(); })), flushMs: 60_000 });
    shipper.resume();
    shipper.push(line(0));
    const first = shipper.flush();
    expect(shipper.buffered).toBe(0);
    let settled = false;
    const second = shipper.flush().then(() => (settled = true));
    await new Promise((r) => setTimeout(r, 10));
    expect(settled).toBe(false);
    release();
    await Promise.all([first, second]);
    expect(landed).toEqual(['line 0']);
    shipper.pause();
  });

  it('cuts messages to 4,000 characters', async () => {
    const sent: ShippedLogLine[] = [];
    const shipper = new LogShipper({ send: async (lines) => void sent.push(...lines), flushMs: 60_000 });
    shipper.resume();
    shipper.push({ ...line(0), message: 'x'.repeat(5000) });
    await shipper.flush();
    shipper.pause();
    expect(sent[0]!.message).toHaveLength(4000);
  });
});

describe('Backoff', () => {
  it('doubles from the base, stays within the upper half of each step, and is capped', () => {
    const low = new Backoff(250, 10_000, () => 0);
    expect(Array.from({ length: 8 }, () => low.next())).toEqual([125, 250, 500, 1000, 2000, 4000, 5000, 5000]);
    const high = new Backoff(250, 10_000, () => 1);
    expect(Array.from({ length: 8 }, () => high.next())).toEqual([250, 500, 1000, 2000, 4000, 8000, 10_000, 10_000]);
    high.reset();
    expect(high.next()).toBe(250);
  });
});
