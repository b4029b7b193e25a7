import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, type TestApp } from '../test-support/harness.js';

let t: TestApp;
let base: string;
let sdk: string;

beforeAll(async () => {
  t = await testApp({ timings: { heartbeatMs: 200 } });
  await t.call('POST', '/api/v1/environments', { body: { name: 'production' } });
  await t.call('POST', '/api/v1/features', { body: { key: 'dark-mode' } });
  sdk = await t.token('sdk-server:production');
  base = await t.app.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(() => t.close());

interface Frame { event: string; id?: string; data?: string; comment?: string }

/** A minimal SSE reader over fetch, to see exactly what goes over the wire. */
async function openStream(headers: Record<string, string> = {}, path = '/api/v1/sdk/stream', token = sdk) {
  const controller = new AbortController();
  const res = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}`, ...headers }, signal: controller.signal });
  const frames: Frame[] = [];
  const waiters: (() => void)[] = [];
  void (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const frame: Frame = { event: 'message' };
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) frame.comment = line.slice(1).trim();
            else if (line.startsWith('event: ')) frame.event = line.slice(7);
            else if (line.startsWith('id: ')) frame.id = line.slice(4);
            else if (line.startsWith('data: ')) frame.data = line.slice(6);
            else if (line.startsWith('retry: ')) frame.event = 'retry';
          }
          frames.push(frame);
          waiters.splice(0).forEach((w) => w());
        }
      }
    } catch {
      // aborted
    }
  })();
  const next = async (match: (f: Frame) => boolean, timeoutMs = 5000): Promise<Frame> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = frames.find(match);
      if (found) {
        frames.splice(frames.indexOf(found), 1);
        return found;
      }
      if (Date.now() > deadline) throw new Error(`no matching frame; got ${JSON.stringify(frames)}`);
      await new Promise<void>((r) => { waiters.push(r); setTimeout(r, 100); });
    }
  };
  return { res, frames, next, close: () => controller.abort() };
}

describe('the SDK stream (Server-Sent Events)', () => {
  it('sends the snapshot on connect, a patch per change, and heartbeats', async () => {
    const stream = await openStream();
    expect(stream.res.headers.get('content-type')).toContain('text/event-stream');
    const first = await stream.next((f) => f.event === 'snapshot');
    const snapshot = JSON.parse(first.data!);
    expect(snapshot).toMatchObject({ environment: 'production', features: { 'dark-mode': { on: false, salt: expect.any(String) } } });
    expect(first.id).toBe(String(snapshot.revision));

    await t.call('POST', '/api/v1/features/dark-mode/environments/production/releases', { body: { action: 'on' } });
    const patch = await stream.next((f) => f.event === 'patch');
    const body = JSON.parse(patch.data!);
    expect(body).toMatchObject({ baseRevision: snapshot.revision, revision: snapshot.revision + 1, features: { 'dark-mode': { on: true } }, segments: {} });
    expect(patch.id).toBe(String(snapshot.revision + 1));
    await stream.next((f) => f.comment === 'heartbeat');
    stream.close();
  });

  it('resumes with Last-Event-ID: nothing resent when the client is current, a snapshot when it is behind', async () => {
    const current = (await t.call('GET', '/api/v1/sdk/snapshot', { token: sdk })).json().revision as number;
    const upToDate = await openStream({ 'last-event-id': String(current) });
    await upToDate.next((f) => f.comment === 'heartbeat');
    expect(upToDate.frames.filter((f) => f.event === 'snapshot')).toHaveLength(0);
    upToDate.close();
    const behind = await openStream({ 'last-event-id': String(current - 1) });
    expect(JSON.parse((await behind.next((f) => f.event === 'snapshot')).data!).revision).toBe(current);
    behind.close();
  });

  it('frames every change as one well-formed HTTP/1.1 chunk, and serves an HTTP/1.0 client a plain body', async () => {
    const { connect } = await import('node:net');
    const { port } = new URL(base);
    const raw = async (version: string) => {
      const socket = connect(Number(port), '127.0.0.1');
      let received = '';
      socket.on('data', (d: Buffer) => (received += d.toString('latin1')));
      socket.write(`GET /api/v1/sdk/stream HTTP/${version}\r\nhost: 127.0.0.1\r\nauthorization: Bearer ${sdk}\r\n\r\n`);
      const until = async (text: string) => {
        const deadline = Date.now() + 5000;
        while (!received.includes(text) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
        return received;
      };
      return { until, close: () => socket.destroy() };
    };
    const chunked = await raw('1.1');
    const oldStyle = await raw('1.0');
    await chunked.until('event: snapshot');
    await oldStyle.until('event: snapshot');
    await t.call('POST', '/api/v1/features/dark-mode/environments/production/releases', { body: { action: 'off' } });
    const text = await chunked.until('event: patch');
    const body = text.slice(text.indexOf('\r\n\r\n') + 4);
    // Decode the chunked body by hand: every size line must match the bytes that follow it.
    let rest = body;
    const frames: string[] = [];
    for (;;) {
      const line = rest.indexOf('\r\n');
      if (line < 0) break;
      const size = parseInt(rest.slice(0, line), 16);
      if (rest.length < line + 2 + size + 2) break;
      frames.push(rest.slice(line + 2, line + 2 + size));
      expect(rest.slice(line + 2 + size, line + 4 + size)).toBe('\r\n');
      rest = rest.slice(line + 4 + size);
    }
    expect(frames.some((f) => f.startsWith('event: patch\n'))).toBe(true);
    expect(text.startsWith('HTTP/1.1 200')).toBe(true);
    const plain = await oldStyle.until('event: patch');
    expect(plain.startsWith('HTTP/1.1 200')).toBe(true);
    expect(plain.toLowerCase()).not.toContain('transfer-encoding: chunked');
    expect(plain).toMatch(/\n\nevent: patch\nid: \d+\ndata: \{/);
    chunked.close();
    oldStyle.close();
  });

  it('is for SDK server tokens only', async () => {
    const client = await t.token('sdk-client:production');
    expect((await fetch(`${base}/api/v1/sdk/stream`, { headers: { authorization: `Bearer ${client}` } })).status).toBe(403);
    expect((await fetch(`${base}/api/v1/sdk/stream`, { headers: { authorization: `Bearer ${t.adminToken}` } })).status).toBe(403);
  });
});

describe('the browser change stream', () => {
  it('tells client tokens the new revision and nothing else, across origins', async () => {
    const client = await t.token('sdk-client:production');
    const stream = await openStream({ origin: 'https://app.example.com' }, '/api/v1/sdk/changes', client);
    expect(stream.res.headers.get('access-control-allow-origin')).toBe('*');
    const first = await stream.next((f) => f.event === 'revision');
    const revision = JSON.parse(first.data!).revision as number;
    await t.call('POST', '/api/v1/features/dark-mode/environments/production/releases', { body: { action: 'on' } });
    const next = await stream.next((f) => f.event === 'revision');
    expect(JSON.parse(next.data!)).toEqual({ revision: revision + 1 });
    expect(stream.frames.every((f) => !f.data || !f.data.includes('salt'))).toBe(true);
    stream.close();
  });
});

describe('the snapshot endpoint', () => {
  it('serves the snapshot with an ETag and answers 304 when unchanged', async () => {
    const first = await t.call('GET', '/api/v1/sdk/snapshot', { token: sdk });
    expect(first.statusCode).toBe(200);
    const etag = first.headers.etag as string;
    expect(etag).toMatch(/^"production-\d+"$/);
    expect((await t.call('GET', '/api/v1/sdk/snapshot', { token: sdk, headers: { 'if-none-match': etag } })).statusCode).toBe(304);
    await t.call('POST', '/api/v1/features/dark-mode/environments/production/releases', { body: { action: 'off' } });
    const changed = await t.call('GET', '/api/v1/sdk/snapshot', { token: sdk, headers: { 'if-none-match': etag } });
    expect(changed.statusCode).toBe(200);
    expect(changed.json().features['dark-mode'].on).toBe(false);
  });

  it('accepts SDK reports of evaluation counts and events, and validates them', async () => {
    const now = new Date().toISOString();
    const ok = await t.call('POST', '/api/v1/sdk/events', { token: sdk, body: { evaluations: [{ feature: 'dark-mode', variant: 'on', count: 7, minute: now }], events: [{ key: 'checkout', contextKey: 'u1', value: 12.5, at: now }] } });
    expect(ok.statusCode).toBe(202);
    const rows = await t.db.query<{ count: number }>('SELECT count FROM evaluation_counts WHERE feature = $1', ['dark-mode']);
    expect(Number(rows.rows[0]!.count)).toBe(7);
    const future = await t.call('POST', '/api/v1/sdk/events', { token: sdk, body: { events: [{ key: 'x', at: '2099-01-01T00:00:00Z' }] } });
    expect(future.statusCode).toBe(400);
  });
});
