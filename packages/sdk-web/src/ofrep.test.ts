import { describe, expect, it } from 'vitest';
import { createGantryWebClient, type GantryWebClient, type GantryWebError } from './index.js';
import { fetchBulk } from './ofrep.js';

/** Answers a real server would not give: the client must stay calm. (A fake fetch, no server.) */
const answer = (status: number, body: string, headers: Record<string, string> = {}): typeof globalThis.fetch =>
  async () => new Response(status === 304 ? null : body, { status, headers });

const bulk = (fetch: typeof globalThis.fetch) =>
  fetchBulk({ baseUrl: 'https://g.example', token: 't', context: {}, etag: undefined, timeoutMs: 1000, fetch, signal: new AbortController().signal });

describe('fetchBulk', () => {
  it.each([
    ['not JSON', 200, '<html>proxy error</html>', 'PARSE_ERROR'],
    ['no flags list', 200, '{"flags":{"a":1}}', 'PARSE_ERROR'],
    ['an empty body', 200, '', 'PARSE_ERROR'],
    ['a refused token', 401, '{"detail":"unknown token"}', 'UNAUTHORIZED'],
    ['a token without the permission', 403, '', 'UNAUTHORIZED'],
    ['a refused context', 400, '{"errorCode":"INVALID_CONTEXT","errorDetails":"context must be an object"}', 'INVALID_CONTEXT'],
    ['a server error', 500, 'oops', 'HTTP'],
  ])('turns %s into a GantryWebError', async (_name, status, body, code) => {
    await expect(bulk(answer(status, body))).rejects.toMatchObject({ name: 'GantryWebError', code, status });
  });

  it('reads Retry-After in seconds and as a date', async () => {
    await expect(bulk(answer(429, '', { 'retry-after': '7' }))).rejects.toMatchObject({ code: 'HTTP', status: 429, retryAfterMs: 7000 });
    const at = new Date(Date.now() + 60_000).toUTCString();
    const error: unknown = await bulk(answer(503, '', { 'retry-after': at })).catch((e: unknown) => e);
    expect((error as GantryWebError).retryAfterMs).toBeGreaterThan(50_000);
  });

  it('keeps sound flags of a partly broken answer and maps per-flag errors to their codes', async () => {
    const outcome = await bulk(answer(200, JSON.stringify({ flags: [
      { key: 'a', value: true, variant: 'on', reason: 'STATIC' },
      { key: 'b', errorCode: 'TARGETING_KEY_MISSING', errorDetails: 'no key' },
      { key: 'c', errorCode: 'FLAG_NOT_FOUND' },
      { key: 'd' },
      { value: 1 },
      'junk',
    ] }), { etag: '"5-x"' }));
    expect(outcome.kind === 'changed' && Object.fromEntries(outcome.flags)).toEqual({
      a: { value: true, variant: 'on', reason: 'STATIC', metadata: undefined },
      b: { errorCode: 'TARGETING_KEY_MISSING', errorDetails: 'no key' },
      c: { errorCode: 'FLAG_NOT_FOUND', errorDetails: undefined },
      d: { errorCode: 'PARSE_ERROR', errorDetails: expect.any(String) },
    });
    expect(outcome.kind === 'changed' && outcome.etag).toBe('"5-x"');
  });

  it('times out', async () => {
    const never: typeof globalThis.fetch = (_input, init) => new Promise((_resolve, reject) => init?.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError'))));
    await expect(fetchBulk({ baseUrl: 'https://g.example', token: 't', context: {}, etag: undefined, timeoutMs: 50, fetch: never, signal: new AbortController().signal }))
      .rejects.toMatchObject({ code: 'TIMEOUT' });
  });
});

describe('a client given a malformed answer', () => {
  it('keeps its values, turns stale, and never throws from a getter', async () => {
    let body = JSON.stringify({ flags: [{ key: 'new-checkout', value: true, variant: 'on', reason: 'STATIC' }] });
    const fetch: typeof globalThis.fetch = async () => new Response(body, { status: 200 });
    const client: GantryWebClient = createGantryWebClient({ url: 'https://g.example', token: 't', context: {}, storage: null, pollIntervalMs: 0, streaming: false, fetch });
    await client.ready();
    body = '{"flags": "nope"}';
    await expect(client.refresh()).rejects.toMatchObject({ code: 'PARSE_ERROR' });
    expect(client.status).toBe('stale');
    expect(client.booleanDetails('new-checkout', false)).toMatchObject({ value: true, variant: 'on' });
    client.close();
  });
});
