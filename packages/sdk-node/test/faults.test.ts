import { OpenFeature, ProviderEvents, ProviderStatus } from '@openfeature/server-sdk';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createGantryClient } from '../src/index.js';
import type { GantryClient, GantryError, StatusEvent } from '../src/index.js';
import { GantryProvider } from '../src/openfeature.js';
import { fast, observingFetch, release, serverWithFeatures, waitFor } from './helpers.js';
import type { TestServer } from './helpers.js';

let server: TestServer;
let token: string;
let client: GantryClient | undefined;
const context = { targetingKey: 'user-1' };

beforeAll(async () => {
  ({ server, token } = await serverWithFeatures([{ key: 'dark-mode' }]));
});
afterEach(async () => {
  await client?.close();
  client = undefined;
});
afterAll(() => server?.close());

/** Evaluates in a tight loop until stopped, recording exceptions and every distinct value seen. */
function evaluateContinuously(evaluate: () => boolean) {
  let running = true;
  let evaluations = 0;
  const exceptions: unknown[] = [];
  const values = new Set<boolean>();
  const done = (async () => {
    while (running) {
      try {
        values.add(evaluate());
        evaluations += 1;
      } catch (error) {
        exceptions.push(error);
      }
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  })();
  return {
    async stop() {
      running = false;
      await done;
      return { evaluations, exceptions, values: [...values] };
    },
  };
}

async function setDarkMode(on: boolean) {
  await release(server, 'dark-mode', { action: on ? 'on' : 'off' });
}

describe('the server away', () => {
  it('serves the last known snapshot through a 3-second outage and is back on the new one within 2 s of the return', async () => {
    // Default reconnection settings: what production gets.
    client = createGantryClient({ url: server.url, token, heartbeatIntervalMs: 200, logger: false });
    const statuses: StatusEvent[] = [];
    client.on('status', (s) => statuses.push(s));
    await client.ready();
    await setDarkMode(true);
    await waitFor(() => client!.boolean('dark-mode', context, false), 5000, 'dark-mode on');

    const loop = evaluateContinuously(() => client!.boolean('dark-mode', context, false));
    await server.stop();
    await waitFor(() => client!.status === 'stale', 2000, 'stale');
    await new Promise((resolve) => setTimeout(resolve, 3000));
    await server.start();
    const back = Date.now();
    const during = await loop.stop();
    expect(during.exceptions).toEqual([]);
    expect(during.values).toEqual([true]);
    expect(during.evaluations).toBeGreaterThan(500);

    await setDarkMode(false);
    await waitFor(() => !client!.boolean('dark-mode', context, true), 5000, 'dark-mode off after the return');
    const recoveryMs = Date.now() - back;
    expect(recoveryMs).toBeLessThan(2000);
    expect(client.status).toBe('ready');
    expect(statuses.map((s) => s.status)).toEqual(['ready', 'stale', 'ready']);
    expect(statuses[1]?.error?.code).toBe('network');
  });

  it('rides through a server restart mid-stream with no failed evaluation', async () => {
    client = createGantryClient({ url: server.url, token, ...fast });
    await client.ready();
    const connections = client.stats().streamConnections;
    const loop = evaluateContinuously(() => client!.boolean('dark-mode', context, true));
    await server.stop();
    await server.start();
    await setDarkMode(true);
    await waitFor(() => client!.boolean('dark-mode', context, false), 5000, 'the release after the restart');
    const during = await loop.stop();
    expect(during.exceptions).toEqual([]);
    expect(client.stats().streamConnections).toBeGreaterThan(connections);
    await setDarkMode(false);
    await waitFor(() => !client!.boolean('dark-mode', context, true), 5000, 'a patch on the new connection');
    expect(client.stats().patchesApplied).toBeGreaterThanOrEqual(1);
  });

  it('polls with If-None-Match when streaming is off', async () => {
    const observed = observingFetch();
    client = createGantryClient({ url: server.url, token, streaming: false, pollIntervalMs: 100, fetch: observed.fetch, ...fast });
    expect(await client.ready()).toMatchObject({ source: 'server' });
    await waitFor(() => observed.requests.some((r) => r.status === 304), 3000, 'a 304');
    const current = client.boolean('dark-mode', context, true);
    await setDarkMode(!current);
    await waitFor(() => client!.boolean('dark-mode', context, current) === !current, 3000, 'the release through a poll');
    expect(observed.requests.every((r) => r.path === '/api/v1/sdk/snapshot')).toBe(true);
  });

  it('falls back to polling while the stream is refused, and returns to the stream when it works again', async () => {
    let refuseStream = true;
    const observed = observingFetch();
    const blocking: typeof fetch = async (input, init) => {
      if (refuseStream && String(input).endsWith('/sdk/stream')) return new Response('bad gateway', { status: 502 });
      return observed.fetch(input, init);
    };
    client = createGantryClient({ url: server.url, token, pollIntervalMs: 100, fetch: blocking, ...fast });
    const statuses: string[] = [];
    const errors: GantryError[] = [];
    client.on('status', ({ status }) => statuses.push(status));
    client.on('error', (e) => errors.push(e));
    expect(await client.ready()).toMatchObject({ source: 'server' });
    const current = client.boolean('dark-mode', context, true);
    await setDarkMode(!current);
    await waitFor(() => client!.boolean('dark-mode', context, current) === !current, 3000, 'the release through a poll');
    expect(client.stats().streamConnections).toBe(0);
    // Polls answer, so the client is not stale, and the cut stream is reported once, not per retry.
    expect(statuses).toEqual(['ready']);
    expect(errors.map((e) => [e.code, e.status])).toEqual([['http', 502]]);
    refuseStream = false;
    await waitFor(() => client!.stats().streamConnections === 1, 3000, 'the stream');
    const polls = observed.requests.filter((r) => r.path.endsWith('/snapshot')).length;
    await setDarkMode(current);
    await waitFor(() => client!.boolean('dark-mode', context, !current) === current, 3000, 'the release through the stream');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(observed.requests.filter((r) => r.path.endsWith('/snapshot')).length).toBeLessThanOrEqual(polls + 1);
  });

  it('treats a silent stream as dead after 2.5 heartbeats and reconnects', async () => {
    let streams = 0;
    const errors: GantryError[] = [];
    const silencing: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (!String(input).endsWith('/sdk/stream') || streams++ > 0 || !response.body) return response;
      // A half-open connection: the first bytes arrive, then nothing, heartbeats included.
      let chunks = 0;
      const silent = response.body.pipeThrough(new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          if (chunks++ < 2) controller.enqueue(chunk);
        },
      }));
      return new Response(silent, { status: response.status, headers: response.headers });
    };
    client = createGantryClient({ url: server.url, token, fetch: silencing, ...fast });
    client.on('error', (e) => errors.push(e));
    await client.ready();
    const started = Date.now();
    await waitFor(() => client!.stats().streamConnections === 2, 3000, 'a second connection');
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(errors.map((e) => e.message).join('\n')).toMatch(/silent for 500 ms/);
    const current = client.boolean('dark-mode', context, true);
    await setDarkMode(!current);
    await waitFor(() => client!.boolean('dark-mode', context, current) === !current, 3000, 'the release on the new connection');
  });

  it('reconnects for a full snapshot when a patch does not follow the revision it has', async () => {
    let dropped = false;
    const gap: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (!String(input).endsWith('/sdk/stream') || !response.body) return response;
      // Lose the first patch, as a lossy intermediary might.
      let buffer = '';
      const lossy = response.body.pipeThrough(new TextDecoderStream()).pipeThrough(new TransformStream<string, string>({
        transform(text, controller) {
          buffer += text;
          let end;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const frame = buffer.slice(0, end + 2);
            buffer = buffer.slice(end + 2);
            if (!dropped && frame.startsWith('event: patch')) dropped = true;
            else controller.enqueue(frame);
          }
        },
      })).pipeThrough(new TextEncoderStream());
      return new Response(lossy, { status: response.status, headers: response.headers });
    };
    client = createGantryClient({ url: server.url, token, fetch: gap, ...fast });
    await client.ready();
    const current = client.boolean('dark-mode', context, true);
    await setDarkMode(!current);
    await waitFor(() => dropped, 3000, 'the first patch to be lost');
    expect(client.boolean('dark-mode', context, current)).toBe(current);
    await setDarkMode(current);
    await setDarkMode(!current);
    await waitFor(() => client!.stats().snapshotsApplied === 2 && client!.boolean('dark-mode', context, current) === !current, 3000, 'a full snapshot after the gap');
    expect(client.stats().streamConnections).toBe(2);
  });

  it('tells OpenFeature: Stale while the server is away, Ready when it is back, evaluations unharmed', async () => {
    client = createGantryClient({ url: server.url, token, ...fast });
    await OpenFeature.setProviderAndWait(new GantryProvider(client));
    const flags = OpenFeature.getClient();
    const seen: string[] = [];
    for (const event of [ProviderEvents.Stale, ProviderEvents.Ready, ProviderEvents.Error]) flags.addHandler(event, () => seen.push(event));
    const before = await flags.getBooleanValue('dark-mode', false, context);
    await server.stop();
    try {
      await waitFor(() => seen.includes(ProviderEvents.Stale), 3000, 'Stale');
      expect(flags.providerStatus).toBe(ProviderStatus.STALE);
      const details = await flags.getBooleanDetails('dark-mode', !before, context);
      expect(details.value).toBe(before);
      expect(details.errorCode).toBeUndefined();
    } finally {
      await server.start();
    }
    await waitFor(() => seen.at(-1) === ProviderEvents.Ready, 3000, 'Ready');
    expect(flags.providerStatus).toBe(ProviderStatus.READY);
    // OpenFeature runs a Ready handler at once when the provider is ready already: hence the first.
    expect(seen).toEqual([ProviderEvents.Ready, ProviderEvents.Stale, ProviderEvents.Ready]);
    await OpenFeature.close();
  });

  it('tells OpenFeature it is stale when it starts from a bootstrap with the server away', async () => {
    const snapshot = { environment: 'production', revision: 1, features: {}, segments: {} };
    const provider = new GantryProvider({ url: 'http://127.0.0.1:9', token, bootstrap: { snapshot }, ...fast });
    await OpenFeature.setProviderAndWait(provider);
    await waitFor(() => OpenFeature.getClient().providerStatus === ProviderStatus.STALE, 3000, 'STALE');
    expect(await OpenFeature.getClient().getBooleanDetails('anything', true)).toMatchObject({ value: true, errorCode: 'FLAG_NOT_FOUND' });
    await OpenFeature.close();
    expect(provider.client.status).toBe('closed');
  });
});
