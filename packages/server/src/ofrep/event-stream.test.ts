import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintTicket, parseTicket, ticketSigned } from '../auth/tickets.js';
import { hashSecret } from '../auth/tokens.js';
import { testApp, type TestApp } from '../test-support/harness.js';

/** OFREP event streams: the ticket from a bulk answer opens them; they say when to evaluate again. */
let t: TestApp;
let base: string;

beforeAll(async () => {
  t = await testApp({ timings: { heartbeatMs: 60_000 } });
  await t.call('POST', '/api/v1/environments', { body: { name: 'production' } });
  await t.call('POST', '/api/v1/features', { body: { key: 'dark-mode' } });
  base = await t.app.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(() => t.close());

async function ticketFor(token: string): Promise<string> {
  const res = await fetch(`${base}/ofrep/v1/evaluate/flags`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{"context":{}}' });
  const uri = ((await res.json()) as { eventStreams: { endpoint: { requestUri: string } }[] }).eventStreams[0]!.endpoint.requestUri;
  return new URL(uri, base).searchParams.get('ticket')!;
}

/** Opens the stream and collects its `data:` lines (the OFREP messages) with their ids. */
async function open(ticket: string, headers: Record<string, string> = {}) {
  const controller = new AbortController();
  const res = await fetch(`${base}/ofrep/v1/events?ticket=${encodeURIComponent(ticket)}`, { headers, signal: controller.signal });
  const messages: { id: string; data: { type: string; etag: string } }[] = [];
  if (res.ok) {
    void (async () => {
      let buffer = '';
      try {
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          buffer += Buffer.from(chunk).toString();
          let end;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const id = /^id: (.*)$/m.exec(block)?.[1];
            const data = /^data: (.*)$/m.exec(block)?.[1];
            if (id && data) messages.push({ id, data: JSON.parse(data) });
          }
        }
      } catch {
        // closed
      }
    })();
  }
  const until = async (n: number) => {
    const deadline = Date.now() + 5000;
    while (messages.length < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    return messages;
  };
  return { res, messages, until, close: () => controller.abort() };
}

const currentRevision = async () => (await t.call('GET', '/api/v1/sdk/snapshot', { token: await t.token('sdk-server:production') })).json().revision as number;

describe('stream tickets', () => {
  const key = hashSecret('gnt_some_secret');
  const id = '2b0c1f5e-7d1a-4a53-9a57-0f6f3c2b9d11';

  it('are signed with the token\'s hash, stable within the hour, and expire', () => {
    const now = Date.UTC(2026, 10, 22, 10, 5);
    const ticket = mintTicket(id, key, now);
    expect(mintTicket(id, key, now + 30 * 60_000)).toBe(ticket);
    const parsed = parseTicket(ticket, now)!;
    expect(parsed.tokenId).toBe(id);
    expect(ticketSigned(parsed, key)).toBe(true);
    expect(ticketSigned(parsed, hashSecret('gnt_another_secret'))).toBe(false);
    expect(parseTicket(ticket, parsed.expiresAt + 1)).toBeUndefined();
    const forged = ticket.replace(/\.(\d+)\./, (_m, exp: string) => `.${Number(exp) + 3_600_000}.`);
    expect(ticketSigned(parseTicket(forged, now)!, key)).toBe(false);
    const notAUuid = ticket.replace(/^[^.]+/, '-'.repeat(36));
    for (const bad of ['', 'x', `${id}.123.abc`, `${ticket}x`, ticket.replace(/^./, 'Z'), notAUuid]) expect(parseTicket(bad, now), bad).toBeUndefined();
  });
});

describe('GET /ofrep/v1/events', () => {
  it('refuses a missing, malformed, forged or expired ticket with 401, and a bearer token does not open it', async () => {
    const token = await t.token('sdk-client:production');
    const good = await ticketFor(token);
    const [tokenId, , signature] = good.split('.');
    const expired = `${tokenId}.${Date.now() - 1000}.${signature}`;
    const forged = `${good.slice(0, -2)}${good.endsWith('AA') ? 'BB' : 'AA'}`;
    const dashes = good.replace(/^[^.]+/, '-'.repeat(36));
    for (const path of ['/ofrep/v1/events', '/ofrep/v1/events?ticket=nope', `/ofrep/v1/events?ticket=${forged}`, `/ofrep/v1/events?ticket=${expired}`, `/ofrep/v1/events?ticket=${dashes}`]) {
      const res = await fetch(base + path, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status, path).toBe(401);
      expect((await res.json()).code).toBe('unauthorized');
    }
  });

  it('refuses a correctly signed ticket of a token without the sdk-client permission (an agent token)', async () => {
    const created = (await t.call('POST', '/api/v1/tokens', { body: { name: 'host-1', scope: 'agent:production' } })).json() as { token: { id: string }; secret: string };
    const ticket = mintTicket(created.token.id, hashSecret(created.secret));
    expect((await fetch(`${base}/ofrep/v1/events?ticket=${ticket}`)).status).toBe(401);
  });

  it('says refetchEvaluation on connect and on every change, with the revision as its id', async () => {
    const stream = await open(await ticketFor(await t.token('sdk-client:production')), { origin: 'https://app.example.com' });
    expect(stream.res.status).toBe(200);
    expect(stream.res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(stream.res.headers.get('access-control-allow-origin')).toBe('*');
    const revision = await currentRevision();
    expect((await stream.until(1))[0]).toEqual({ id: String(revision), data: { type: 'refetchEvaluation', etag: `"production-${revision}"` } });
    await t.call('POST', '/api/v1/features/dark-mode/environments/production/releases', { body: { action: 'on' } });
    expect((await stream.until(2))[1]).toEqual({ id: String(revision + 1), data: { type: 'refetchEvaluation', etag: `"production-${revision + 1}"` } });
    stream.close();
  });

  it('resumes quietly with a current Last-Event-ID, and stops opening once the token is revoked', async () => {
    const created = (await t.call('POST', '/api/v1/tokens', { body: { name: 'web-app', scope: 'sdk-client:production' } })).json() as { token: { id: string }; secret: string };
    const ticket = await ticketFor(created.secret);
    const revision = await currentRevision();
    const stream = await open(ticket, { 'last-event-id': String(revision) });
    await t.call('POST', '/api/v1/features/dark-mode/environments/production/releases', { body: { action: 'off' } });
    const messages = await stream.until(1);
    expect(messages.map((m) => m.id)).toEqual([String(revision + 1)]);
    stream.close();

    await t.call('DELETE', `/api/v1/tokens/${created.token.id}`);
    expect((await fetch(`${base}/ofrep/v1/events?ticket=${ticket}`)).status).toBe(401);
  });
});

describe('with a public URL (a proxy with a path prefix)', () => {
  it('offers the stream as a full URL under it', async () => {
    const behindProxy = await testApp({ publicUrl: 'https://flags.example.com/gantry' });
    try {
      await behindProxy.call('POST', '/api/v1/environments', { body: { name: 'production' } });
      const token = await behindProxy.token('sdk-client:production');
      const res = await behindProxy.call('POST', '/ofrep/v1/evaluate/flags', { token, body: { context: {} } });
      expect(res.json().eventStreams).toEqual([{ type: 'sse', url: expect.stringMatching(/^https:\/\/flags\.example\.com\/gantry\/ofrep\/v1\/events\?ticket=[0-9a-f-]{36}\.\d+\.[\w-]{43}$/) }]);
    } finally {
      await behindProxy.close();
    }
  });
});
