import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGantryClient } from '../src/index.js';
import type { GantryError } from '../src/index.js';
import { fast, observingFetch, release, serverWithFeatures, waitFor } from './helpers.js';
import type { TestServer } from './helpers.js';

let server: TestServer;
let token: string;

beforeAll(async () => {
  ({ server, token } = await serverWithFeatures([{ key: 'dark-mode' }, { key: 'checkout-v2' }]));
  await release(server, 'dark-mode', { action: 'on' });
});
afterAll(() => server?.close());

/** Evaluation rows summed per feature and variant (a minute may turn during a test). */
function summed(rows: { feature: string; variant: string; count: number }[]) {
  const totals = new Map<string, number>();
  for (const { feature, variant, count } of rows) totals.set(`${feature}/${variant}`, (totals.get(`${feature}/${variant}`) ?? 0) + count);
  return Object.fromEntries([...totals].sort());
}

/** A client that reports only when told to. */
function reportingClient(events: { maxBatch?: number; maxBuffered?: number } = {}) {
  const observed = observingFetch();
  const client = createGantryClient({ url: server.url, token, fetch: observed.fetch, events: { flushIntervalMs: 3_600_000, ...events }, ...fast });
  const reports = () => observed.requests.filter((r) => r.path === '/api/v1/sdk/events');
  return { client, reports };
}

describe('evaluation counts and events', () => {
  it('aggregates evaluations per feature, variant and minute and sends them with track events; the server answers 202', async () => {
    const { client, reports } = reportingClient();
    await client.ready();
    for (let i = 0; i < 40; i++) client.boolean('dark-mode', { targetingKey: `u${i}` }, false);
    for (let i = 0; i < 3; i++) client.boolean('checkout-v2', { targetingKey: `u${i}` }, true);
    client.boolean('no-such-feature', {}, false);
    client.all({ targetingKey: 'u1' });
    client.track('checkout-completed', { targetingKey: 'u1' }, 42.5);
    client.track('page-view', { targetingKey: 'u2' });
    expect(client.stats()).toMatchObject({ evaluationsPending: 43, eventsPending: 2 });
    await client.flush();
    expect(reports()).toHaveLength(1);
    const [report] = reports();
    expect(report?.status).toBe(202);
    const body = report?.body as { evaluations: { feature: string; variant: string; count: number; minute: string }[]; events: unknown[] };
    expect(summed(body.evaluations)).toEqual({ 'checkout-v2/off': 3, 'dark-mode/on': 40 });
    for (const row of body.evaluations) expect(row.minute).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:00\.000Z$/);
    expect(body.events).toEqual([
      { key: 'checkout-completed', contextKey: 'u1', value: 42.5, at: expect.any(String) },
      { key: 'page-view', contextKey: 'u2', at: expect.any(String) },
    ]);
    expect(client.stats()).toMatchObject({ evaluationsSent: 43, eventsSent: 2, evaluationsPending: 0, eventsPending: 0, batchesSent: 1, batchesFailed: 0 });
    await client.close();
  });

  it('sends batches of at most maxBatch entries, flushing early when a batch of events is full', async () => {
    const { client, reports } = reportingClient({ maxBatch: 2 });
    await client.ready();
    for (let i = 0; i < 5; i++) client.track(`event-${i}`, { targetingKey: 'u1' });
    // Two full batches went out by themselves.
    await waitFor(() => client.stats().eventsSent >= 4, 3000, 'early flushes');
    await client.flush();
    const sent = reports();
    expect(sent.every((r) => r.status === 202)).toBe(true);
    expect(sent.every((r) => (r.body as { events: unknown[] }).events.length <= 2)).toBe(true);
    expect(client.stats()).toMatchObject({ eventsSent: 5, eventsPending: 0 });
    await client.close();
  });

  it('adds up evaluations that served the same variant by different paths and across snapshots', async () => {
    const { client, reports } = reportingClient();
    await client.ready();
    const configure = async (config: Record<string, unknown>) => {
      const revision = client.revision!;
      await server.api('PUT', '/api/v1/features/checkout-v2/environments/production', { config });
      // Wait on the revision, not on evaluations: those would be counted too.
      await waitFor(() => client.revision! > revision, 5000, 'the new snapshot');
    };
    await configure({ on: true, offVariation: 1, targets: [{ variation: 0, values: ['vip'] }], fallthrough: { variation: 0 } });
    for (let i = 0; i < 5; i++) expect(client.booleanDetails('checkout-v2', { targetingKey: 'vip' }, false).reason).toBe('TARGETING_MATCH');
    for (let i = 0; i < 7; i++) expect(client.booleanDetails('checkout-v2', { targetingKey: `u${i}` }, false).reason).toBe('DEFAULT');
    await configure({ on: true, offVariation: 1, fallthrough: { variation: 0 } });
    for (let i = 0; i < 3; i++) expect(client.booleanDetails('checkout-v2', { targetingKey: 'vip' }, false).reason).toBe('STATIC');
    expect(client.stats().evaluationsPending).toBe(15);
    await client.flush();
    const rows = reports().flatMap((r) => (r.body as { evaluations: { feature: string; variant: string; count: number }[] }).evaluations);
    expect(summed(rows)).toEqual({ 'checkout-v2/on': 15 });
    expect(rows.length).toBeLessThanOrEqual(2);
    await client.close();
  });

  it('bounds what it holds: beyond maxBuffered the oldest are dropped and counted', async () => {
    const { client, reports } = reportingClient({ maxBuffered: 3, maxBatch: 1000 });
    await client.ready();
    for (let i = 0; i < 5; i++) client.track(`event-${i}`, {});
    expect(client.stats()).toMatchObject({ eventsPending: 3, eventsDropped: 2 });
    await client.close();
    expect((reports()[0]?.body as { events: { key: string }[] }).events.map((e) => e.key)).toEqual(['event-2', 'event-3', 'event-4']);
  });

  it('keeps what failed to send for the next flush, and never throws to the caller', async () => {
    const { client } = reportingClient();
    const errors: GantryError[] = [];
    client.on('error', (e) => errors.push(e));
    await client.ready();
    client.track('during-outage', { targetingKey: 'u1' }, 1);
    client.boolean('dark-mode', { targetingKey: 'u1' }, false);
    await server.stop();
    try {
      await client.flush();
      await client.flush();
      expect(client.stats()).toMatchObject({ eventsPending: 1, evaluationsPending: 1, batchesFailed: 2, eventsSent: 0 });
      expect(errors.filter((e) => e.code === 'events')).toHaveLength(1);
    } finally {
      await server.start();
    }
    await client.flush();
    expect(client.stats()).toMatchObject({ eventsPending: 0, eventsSent: 1, evaluationsSent: 1, batchesSent: 1 });
    await client.close();
  });

  it('ignores bad track input without throwing, and flushes on close', async () => {
    const warnings: string[] = [];
    const client = createGantryClient({ url: server.url, token, ...fast, events: { flushIntervalMs: 3_600_000 }, logger: { warn: (m) => warnings.push(m) } });
    await client.ready();
    expect(() => {
      client.track('', {});
      client.track('x'.repeat(129), {});
      client.track(42 as unknown as string, {});
      client.track('nan-value', { targetingKey: 'u1' }, Number.NaN);
      client.track('hostile-context', new Proxy({}, { get() { throw new Error('boom'); } }));
      client.track('no-context');
    }).not.toThrow();
    expect(warnings.length).toBeGreaterThanOrEqual(4);
    expect(client.stats().eventsPending).toBe(2);
    await client.close();
    expect(client.stats()).toMatchObject({ eventsSent: 2, eventsPending: 0, batchesSent: 1 });
    client.track('after-close', {});
    expect(client.stats().eventsPending).toBe(0);
  });

  it('reports nothing with events: false', async () => {
    const observed = observingFetch();
    const client = createGantryClient({ url: server.url, token, events: false, fetch: observed.fetch, ...fast });
    await client.ready();
    client.boolean('dark-mode', {}, false);
    client.track('x', {});
    await client.close();
    expect(observed.requests.filter((r) => r.path.endsWith('/events'))).toEqual([]);
    expect(client.stats().evaluationsSent).toBe(0);
  });
});
