import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { TestServer } from '../../../test-support/gantry-server.js';
import { createGantryWebClient, type GantryWebClient, type GantryWebClientOptions, type StatusEvent } from './index.js';
import { next, seededServer } from './test-support/fixtures.js';
import { MemoryStorage } from './test-support/memory-storage.js';

/** The localStorage cache and outages, against a real Gantry server that is stopped and started. */
let server: TestServer;
let token: string;
const clients: GantryWebClient[] = [];
let down = false;

beforeAll(async () => {
  ({ server, token } = await seededServer());
});
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  if (down) await server.start(); // a test that stopped the server and failed must not break the next one
  down = false;
});
afterAll(async () => {
  await server.close();
});

function client(storage: Storage, options: Partial<GantryWebClientOptions> = {}): GantryWebClient {
  const c = createGantryWebClient({ url: server.url, token, context: { targetingKey: 'user-1', plan: 'premium' }, storage, pollIntervalMs: 0, streaming: false, timeoutMs: 2000, ...options });
  clients.push(c);
  return c;
}

async function stopped<T>(during: () => Promise<T>): Promise<T> {
  await server.stop();
  down = true;
  const result = await during();
  await server.start();
  down = false;
  return result;
}

describe('localStorage cache', () => {
  it('a new client with the same storage is ready at once, even with the server stopped', async () => {
    const storage = new MemoryStorage();
    const first = client(storage);
    await first.ready();
    const evaluated = first.allDetails();
    first.close();

    await stopped(async () => {
      const second = client(storage);
      // Synchronously, before any await: the cache is read in the constructor.
      expect(second.status).toBe('ready');
      expect(second.boolean('premium-only', false)).toBe(true);
      expect(second.allDetails()).toEqual(evaluated);
      const stale = next<StatusEvent>((h) => second.on('status', h));
      await second.ready();
      expect(await stale).toMatchObject({ status: 'stale', error: { code: 'NETWORK' } });
      expect(second.json('layout', {})).toEqual({ columns: 3 });
      expect(second.booleanDetails('gradual', true)).toMatchObject({ reason: 'SPLIT' });
    });
  });

  it('revalidates a restored evaluation with its ETag (304) once the server is back', async () => {
    const storage = new MemoryStorage();
    const first = client(storage);
    await first.ready();
    first.close();
    const statuses: number[] = [];
    const fetch: typeof globalThis.fetch = async (input, init) => {
      const res = await globalThis.fetch(input, init);
      statuses.push(res.status);
      return res;
    };
    const second = client(storage, { fetch });
    await vi.waitFor(() => expect(statuses).toHaveLength(1));
    await second.refresh();
    expect(statuses).toEqual([304, 304]);
  });

  it('a corrupt entry is ignored and replaced by the next answer', async () => {
    const storage = new MemoryStorage();
    const first = client(storage);
    await first.ready();
    first.close();
    const [key] = storage.keys();
    storage.setItem(key!, '{"format":1,"savedAt":"soon","flags":"nope"');
    const second = client(storage);
    expect(second.status).toBe('loading');
    await second.ready();
    expect(second.boolean('premium-only', false)).toBe(true);
    expect(JSON.parse(storage.getItem(key!)!)).toMatchObject({ format: 1, flags: expect.any(Array) });
  });

  it('storage that throws on every call does not stop the client', async () => {
    const broken = new Proxy(new MemoryStorage(), {
      get() {
        throw new DOMException('The operation is insecure.', 'SecurityError');
      },
    });
    const c = client(broken);
    await c.ready();
    expect(c.boolean('new-checkout', false)).toBe(true);
  });
});

describe('offline', () => {
  it('keeps serving values while the server is down, reports stale, and recovers', async () => {
    const c = client(new MemoryStorage(), { pollIntervalMs: 1000 });
    await c.ready();
    const before = c.allDetails();
    await stopped(async () => {
      const stale = await next<StatusEvent>((h) => c.on('status', h));
      expect(stale).toMatchObject({ status: 'stale', error: { code: 'NETWORK' } });
      expect(c.status).toBe('stale');
      await expect(c.refresh()).rejects.toMatchObject({ code: 'NETWORK' });
      expect(c.allDetails()).toEqual(before);
      expect(c.string('banner-color', 'red')).toBe('blue');
      expect(c.booleanDetails('no-such-flag', true)).toMatchObject({ value: true, errorCode: 'FLAG_NOT_FOUND' });
      // A context change while offline keeps the values it has and says why it failed.
      await expect(c.setContext({ targetingKey: 'user-9' })).rejects.toMatchObject({ code: 'NETWORK' });
      expect(c.boolean('new-checkout', false)).toBe(true);
    });
    const recovered = await next<StatusEvent>((h) => c.on('status', h), 10_000);
    expect(recovered).toEqual({ status: 'ready' });
    expect(c.context).toEqual({ targetingKey: 'user-9' });
    expect(c.boolean('premium-only', true)).toBe(false);
  });
});
