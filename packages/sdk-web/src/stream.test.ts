import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { TestServer } from '../../../test-support/gantry-server.js';
import { createGantryWebClient, type ChangeEvent, type GantryWebClient, type GantryWebClientOptions } from './index.js';
import { next, release, seededServer } from './test-support/fixtures.js';
import { MemoryStorage } from './test-support/memory-storage.js';

/** Refresh on the server's change stream (`/api/v1/sdk/changes`), against a real Gantry server. */
let server: TestServer;
let token: string;
const clients: GantryWebClient[] = [];

beforeAll(async () => {
  ({ server, token } = await seededServer());
});
afterEach(() => {
  for (const c of clients.splice(0)) c.close();
});
afterAll(async () => {
  await server.close();
});

/** A fetch that counts requests by path and can pretend a path does not exist. */
function countingFetch(missing?: string) {
  const calls: Record<string, number> = {};
  const fetch: typeof globalThis.fetch = async (input, init) => {
    const path = new URL(String(input)).pathname;
    calls[path] = (calls[path] ?? 0) + 1;
    if (path === missing) return new Response('{"code":"not_found"}', { status: 404 });
    return globalThis.fetch(input, init);
  };
  return { calls, fetch };
}

function client(options: Partial<GantryWebClientOptions> = {}): GantryWebClient {
  const c = createGantryWebClient({ url: server.url, token, context: { targetingKey: 'user-1' }, storage: new MemoryStorage(), pollIntervalMs: 0, ...options });
  clients.push(c);
  return c;
}

const BULK = '/ofrep/v1/evaluate/flags';
const CHANGES = '/api/v1/sdk/changes';

describe('change stream', () => {
  it('a release reaches the client through the stream, with polling off', async () => {
    const c = client();
    await c.ready();
    const change = next<ChangeEvent>((h) => c.on('change', h));
    await release(server, 'later', { action: 'on' });
    expect(await change).toEqual({ keys: ['later'], cause: 'refresh' });
    expect(c.boolean('later', false)).toBe(true);
    await release(server, 'later', { action: 'off' });
  });

  it('polling rests while the stream is open', async () => {
    const { calls, fetch } = countingFetch();
    const c = client({ pollIntervalMs: 1000, fetch });
    await c.ready();
    // The first bulk request, then one more when the stream's first event arrives.
    await vi.waitFor(() => expect(calls[BULK]).toBe(2));
    await new Promise((r) => setTimeout(r, 2500));
    expect(calls).toEqual({ [BULK]: 2, [CHANGES]: 1 });
  });

  it('reconnects after the server restarts and brings the next release', async () => {
    const { calls, fetch } = countingFetch();
    const c = client({ fetch });
    await c.ready();
    // Connected and past its first event. (Stopping the server while a stream request is still
    // being set up hangs the server's shutdown: a server race, reported separately.)
    await vi.waitFor(() => expect(calls[BULK]).toBe(2));
    await new Promise((r) => setTimeout(r, 200));
    await server.stop();
    await server.start();
    await vi.waitFor(() => expect(calls[CHANGES]).toBeGreaterThanOrEqual(2), { timeout: 10_000 });
    const change = next<ChangeEvent>((h) => c.on('change', h), 10_000);
    await release(server, 'later', { action: 'on' });
    expect(await change).toEqual({ keys: ['later'], cause: 'refresh' });
    await release(server, 'later', { action: 'off' });
  });

  it('falls back to polling, for good, when the server has no change stream', async () => {
    const { calls, fetch } = countingFetch(CHANGES);
    const c = client({ pollIntervalMs: 1000, fetch });
    await c.ready();
    const change = next<ChangeEvent>((h) => c.on('change', h));
    await release(server, 'later', { action: 'on' });
    expect(await change).toEqual({ keys: ['later'], cause: 'refresh' });
    expect(calls[CHANGES]).toBe(1);
    await release(server, 'later', { action: 'off' });
  });

  it('a change that does not touch this context changes nothing for it', async () => {
    const c = client({ context: { targetingKey: 'user-1', plan: 'free' } });
    await c.ready();
    const seen: ChangeEvent[] = [];
    c.on('change', (e) => seen.push(e));
    const { calls, fetch } = countingFetch();
    const watcher = client({ fetch, context: { targetingKey: 'user-1', plan: 'free' } });
    await watcher.ready();
    await vi.waitFor(() => expect(calls[BULK]).toBe(2));
    await server.api('PUT', '/api/v1/features/premium-only/environments/production', {
      config: { on: true, offVariation: 1, rules: [{ clauses: [{ attribute: 'plan', operator: 'in', values: ['premium', 'enterprise'] }], serve: { variation: 0 } }], fallthrough: { variation: 1 } },
    });
    await vi.waitFor(() => expect(calls[BULK]).toBe(3));
    expect(seen).toEqual([]);
    expect(c.boolean('premium-only', true)).toBe(false);
  });
});
