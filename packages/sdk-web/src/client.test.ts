import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../../../test-support/gantry-server.js';
import { createGantryWebClient, GantryWebError, type GantryWebClient, type GantryWebClientOptions } from './index.js';
import { next, release, seededServer, unreachableUrl } from './test-support/fixtures.js';
import { MemoryStorage } from './test-support/memory-storage.js';

/** The browser client against a real Gantry server (Node's fetch, an in-memory Storage). */
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

function client(options: Partial<GantryWebClientOptions> = {}): GantryWebClient {
  const c = createGantryWebClient({ url: server.url, token, context: { targetingKey: 'user-1' }, storage: new MemoryStorage(), pollIntervalMs: 0, streaming: false, ...options });
  clients.push(c);
  return c;
}

/** A fetch that records each bulk request's If-None-Match and answer status. */
function recordingFetch() {
  const calls: Array<{ ifNoneMatch: string | null; status: number }> = [];
  const fetch: typeof globalThis.fetch = async (input, init) => {
    const res = await globalThis.fetch(input, init);
    calls.push({ ifNoneMatch: new Headers(init?.headers).get('if-none-match'), status: res.status });
    return res;
  };
  return { calls, fetch };
}

describe('bulk evaluation', () => {
  it('evaluates every type for the context, with variants and reasons', async () => {
    const c = client();
    expect(c.status).toBe('loading');
    await c.ready();
    expect(c.status).toBe('ready');
    expect(c.boolean('new-checkout', false)).toBe(true);
    expect(c.string('banner-color', 'red')).toBe('blue');
    expect(c.number('max-items', 0)).toBe(5);
    expect(c.json('layout', {})).toEqual({ columns: 3 });
    expect(c.booleanDetails('new-checkout', false)).toEqual({ key: 'new-checkout', value: true, variant: 'on', reason: 'STATIC' });
    expect(c.booleanDetails('later', true)).toMatchObject({ value: false, variant: 'off', reason: 'DISABLED' });
    expect(c.booleanDetails('gradual', false)).toMatchObject({ reason: 'SPLIT' });
    expect(Object.keys(c.allDetails()).sort()).toEqual(['banner-color', 'gradual', 'later', 'layout', 'max-items', 'new-checkout', 'premium-only']);
  });

  it('gives the default with the right error code, never an exception', async () => {
    const c = client({ context: {} });
    await c.ready();
    expect(c.booleanDetails('no-such-flag', true)).toMatchObject({ value: true, reason: 'ERROR', errorCode: 'FLAG_NOT_FOUND' });
    expect(c.numberDetails('banner-color', 7)).toMatchObject({ value: 7, reason: 'ERROR', errorCode: 'TYPE_MISMATCH' });
    expect(c.stringDetails('new-checkout', 'x')).toMatchObject({ value: 'x', errorCode: 'TYPE_MISMATCH' });
    expect(c.jsonDetails('banner-color', { a: 1 })).toMatchObject({ value: { a: 1 }, errorCode: 'TYPE_MISMATCH' });
    expect(c.booleanDetails('layout', false)).toMatchObject({ value: false, errorCode: 'TYPE_MISMATCH' });
    // A percentage rollout cannot bucket a context without a targeting key: the server says so per flag.
    expect(c.booleanDetails('gradual', true)).toMatchObject({ value: true, reason: 'ERROR', errorCode: 'TARGETING_KEY_MISSING' });
    expect(c.boolean('new-checkout', false)).toBe(true);
    const nonsense = c as unknown as { boolean(k: unknown, d: unknown): unknown; numberDetails(k: unknown, d: unknown): unknown };
    expect(nonsense.boolean(undefined, 'd')).toBe('d');
    expect(nonsense.numberDetails({}, 1)).toMatchObject({ value: 1, errorCode: 'FLAG_NOT_FOUND' });
  });

  it('serves defaults with PROVIDER_NOT_READY before the first answer', () => {
    const c = client();
    expect(c.booleanDetails('new-checkout', false)).toMatchObject({ value: false, reason: 'ERROR', errorCode: 'PROVIDER_NOT_READY' });
  });

  it('returns frozen JSON values, so a caller cannot corrupt the evaluation', async () => {
    const c = client();
    await c.ready();
    const layout = c.json('layout', {}) as { columns: number };
    expect(Object.isFrozen(layout)).toBe(true);
    expect(() => { layout.columns = 9; }).toThrow(TypeError);
  });

  it('asks again with If-None-Match and keeps the evaluation on a 304', async () => {
    const { calls, fetch } = recordingFetch();
    const c = client({ fetch });
    await c.ready();
    const changes: string[][] = [];
    c.on('change', ({ keys }) => changes.push([...keys]));
    await c.refresh();
    await c.refresh();
    expect(calls.map((x) => x.status)).toEqual([200, 304, 304]);
    expect(calls[0]!.ifNoneMatch).toBeNull();
    expect(calls[1]!.ifNoneMatch).toMatch(/^".+"$/);
    expect(changes).toEqual([]);
    expect(c.boolean('new-checkout', false)).toBe(true);
  });
});

describe('context', () => {
  it('setContext evaluates again and emits change with the keys that differ', async () => {
    const c = client({ context: { targetingKey: 'user-2', plan: 'free' } });
    await c.ready();
    expect(c.boolean('premium-only', true)).toBe(false);
    const change = next<{ keys: readonly string[]; cause: string }>((h) => c.on('change', h));
    await c.setContext({ targetingKey: 'user-2', plan: 'premium' });
    expect(c.boolean('premium-only', false)).toBe(true);
    expect(await change).toEqual({ keys: ['premium-only'], cause: 'context' });
    expect(c.context).toEqual({ targetingKey: 'user-2', plan: 'premium' });
  });

  it('a context change that overtakes a slower one wins', async () => {
    const c = client({ context: { targetingKey: 'user-3', plan: 'free' } });
    await c.ready();
    const first = c.setContext({ targetingKey: 'user-3', plan: 'premium' });
    const second = c.setContext({ targetingKey: 'user-3', plan: 'basic' });
    await expect(first).rejects.toMatchObject({ code: 'CLOSED' });
    await second;
    expect(c.boolean('premium-only', true)).toBe(false);
  });

  it('refuses a context that is not an object', async () => {
    const c = client();
    await expect(c.setContext(null as never)).rejects.toMatchObject({ code: 'INVALID_CONTEXT' });
    expect(() => createGantryWebClient({ url: server.url, token, context: 'user-1' as never })).toThrow(GantryWebError);
  });
});

describe('refresh', () => {
  it('polling picks up a release', async () => {
    const c = client({ pollIntervalMs: 1000 });
    await c.ready();
    expect(c.boolean('later', false)).toBe(false);
    const change = next<{ keys: readonly string[]; cause: string }>((h) => c.on('change', h));
    await release(server, 'later', { action: 'on' });
    expect(await change).toEqual({ keys: ['later'], cause: 'refresh' });
    expect(c.booleanDetails('later', false)).toMatchObject({ value: true, variant: 'on' });
    await release(server, 'later', { action: 'off' });
  });
});

describe('errors at start', () => {
  it('a refused token rejects ready() at once', async () => {
    const started = Date.now();
    const c = client({ token: 'gnt_not_a_token', timeoutMs: 5000 });
    await expect(c.ready()).rejects.toMatchObject({ name: 'GantryWebError', code: 'UNAUTHORIZED', status: 401 });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(c.status).toBe('error');
    expect(c.booleanDetails('new-checkout', false)).toMatchObject({ value: false, errorCode: 'PROVIDER_NOT_READY' });
  });

  it('a token without the sdk-client permission is refused (403)', async () => {
    const ci = await server.token('ci');
    const c = client({ token: ci });
    await expect(c.ready()).rejects.toMatchObject({ code: 'UNAUTHORIZED', status: 403 });
  });

  it('an unreachable server rejects ready() within the timeout', async () => {
    const started = Date.now();
    const c = client({ url: await unreachableUrl(), timeoutMs: 800 });
    const error = await c.ready().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'TIMEOUT' });
    expect((error as GantryWebError).cause).toMatchObject({ code: 'NETWORK' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(750);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(c.status).toBe('error');
    expect(c.string('banner-color', 'red')).toBe('red');
  });
});
