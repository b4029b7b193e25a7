import { OFREPWebProvider } from '@openfeature/ofrep-web-provider';
import { OpenFeature, ProviderEvents, type EventDetails } from '@openfeature/web-sdk';
import { EventSource } from 'eventsource';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../../../../test-support/gantry-server.js';
import { next, release, seededServer } from '../test-support/fixtures.js';

/**
 * OpenFeature's own OFREP web provider follows Gantry's changes over OFREP event streams (the
 * protocol's ADR 0008), with polling off: a change can only arrive through the stream. Node has no
 * EventSource of its own, so the `eventsource` package stands in for the browser's.
 */
let server: TestServer;
let token: string;
const domain = 'ofrep-events';
const hadEventSource = 'EventSource' in globalThis;

beforeAll(async () => {
  ({ server, token } = await seededServer());
  if (!hadEventSource) (globalThis as { EventSource?: unknown }).EventSource = EventSource;
  await OpenFeature.setContext(domain, { targetingKey: 'user-1', plan: 'free' });
  await OpenFeature.setProviderAndWait(domain, new OFREPWebProvider({ baseUrl: server.url, headers: [['Authorization', `Bearer ${token}`]], cacheMode: 'disabled', pollInterval: 0 }));
});
afterAll(async () => {
  await OpenFeature.close();
  if (!hadEventSource) delete (globalThis as { EventSource?: unknown }).EventSource;
  await server.close();
});

const changed = (ms = 10_000) =>
  next<EventDetails>((h) => {
    const client = OpenFeature.getClient(domain);
    const handler = (details?: EventDetails) => h(details ?? ({} as EventDetails));
    client.addHandler(ProviderEvents.ConfigurationChanged, handler);
    return () => client.removeHandler(ProviderEvents.ConfigurationChanged, handler);
  }, ms);

describe("OpenFeature's OFREP web provider on Gantry's event stream", () => {
  it('the bulk answer offers an SSE stream opened with a ticket, never the token', async () => {
    const res = await fetch(`${server.url}/ofrep/v1/evaluate/flags`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{"context":{"targetingKey":"u"}}' });
    const body = await res.json() as { eventStreams: { type: string; endpoint: { requestUri: string } }[] };
    expect(body.eventStreams).toEqual([{ type: 'sse', endpoint: { requestUri: expect.stringMatching(/^\/ofrep\/v1\/events\?ticket=[0-9a-f-]{36}\.\d+\.[\w-]{43}$/) } }]);
    expect(body.eventStreams[0]!.endpoint.requestUri).not.toContain(token);
  });

  it('a release reaches the provider through the stream, with polling off', async () => {
    const client = OpenFeature.getClient(domain);
    expect(client.getBooleanValue('new-checkout', false)).toBe(true);
    const event = changed();
    await release(server, 'new-checkout', { action: 'off' });
    expect((await event).flagsChanged).toContain('new-checkout');
    expect(client.getBooleanValue('new-checkout', true)).toBe(false);

    const again = changed();
    await release(server, 'new-checkout', { action: 'on' });
    await again;
    expect(client.getBooleanValue('new-checkout', false)).toBe(true);
  });
});
