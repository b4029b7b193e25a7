import { OpenFeature, ProviderEvents } from '@openfeature/server-sdk';
import type { EventDetails } from '@openfeature/server-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGantryClient } from '../src/index.js';
import type { ChangeEvent, GantryClient } from '../src/index.js';
import { GantryProvider } from '../src/openfeature.js';
import { fast, release, serverWithFeatures, waitFor } from './helpers.js';
import type { TestServer } from './helpers.js';

let server: TestServer;
let token: string;
let client: GantryClient;
const changes: ChangeEvent[] = [];

beforeAll(async () => {
  ({ server, token } = await serverWithFeatures([
    { key: 'dark-mode' },
    { key: 'button-color', type: 'string', variations: [{ key: 'blue', value: 'blue' }, { key: 'green', value: 'green' }] },
    { key: 'checkout-v2' },
    { key: 'of-flag' },
  ]));
  client = createGantryClient({ url: server.url, token, timeoutMs: 3000, ...fast });
  client.on('change', (change) => changes.push(change));
});
afterAll(async () => {
  await client?.close();
  await server?.close();
});

describe('streaming from a real server', () => {
  it('is ready from the stream within the timeout, evaluating the server snapshot', async () => {
    const started = Date.now();
    const info = await client.ready();
    expect(Date.now() - started).toBeLessThan(3000);
    expect(info).toMatchObject({ source: 'server', environment: 'production' });
    expect(client.status).toBe('ready');
    expect(client.revision).toBe(info.revision);
    expect(client.booleanDetails('dark-mode', { targetingKey: 'u1' }, true)).toMatchObject({ value: false, variant: 'off', reason: 'DISABLED' });
    expect(client.stats().snapshotsApplied).toBe(1);
  });

  it('applies a release made through the API as a patch and tells change listeners which features changed', async () => {
    const before = client.revision!;
    await release(server, 'dark-mode', { action: 'on' });
    await waitFor(() => client.boolean('dark-mode', { targetingKey: 'u1' }, false), 5000, 'dark-mode on');
    expect(client.revision).toBeGreaterThan(before);
    expect(client.stats()).toMatchObject({ patchesApplied: 1, snapshotsApplied: 1, streamConnections: 1 });
    expect(changes.at(-1)).toMatchObject({ keys: ['dark-mode'], revision: client.revision, environment: 'production' });
  });

  it('follows a percentage rollout and a string feature, with details', async () => {
    await release(server, 'checkout-v2', { action: 'percent', percent: 50 });
    const details = await waitFor(() => {
      const d = client.booleanDetails('checkout-v2', { targetingKey: 'user-123' }, false);
      return d.reason === 'SPLIT' ? d : undefined;
    }, 5000, 'a split');
    expect(['on', 'off']).toContain(details.variant);
    expect(client.booleanDetails('checkout-v2', {}, true)).toMatchObject({ value: true, reason: 'ERROR', errorCode: 'TARGETING_KEY_MISSING' });
    await server.api('PUT', '/api/v1/features/button-color/environments/production', {
      config: { on: true, offVariation: 0, rules: [{ clauses: [{ attribute: 'plan', operator: 'in', values: ['premium'] }], serve: { variation: 1 } }], fallthrough: { variation: 0 } },
    });
    await waitFor(() => client.stringDetails('button-color', { targetingKey: 'u1', plan: 'premium' }, 'red').reason === 'TARGETING_MATCH', 5000, 'the premium rule');
    expect(client.string('button-color', { targetingKey: 'u1', plan: 'premium' }, 'red')).toBe('green');
    expect(client.stringDetails('button-color', { targetingKey: 'u2' }, 'red')).toMatchObject({ value: 'blue', reason: 'DEFAULT' });
    expect(client.stringDetails('button-color', { targetingKey: 'u2' }, 'red').errorCode).toBeUndefined();
    expect(client.booleanDetails('button-color', { targetingKey: 'u2' }, false)).toMatchObject({ value: false, errorCode: 'TYPE_MISMATCH' });
    expect(client.numberDetails('no-such-feature', { targetingKey: 'u2' }, 7)).toMatchObject({ value: 7, errorCode: 'FLAG_NOT_FOUND' });
    const all = client.all({ targetingKey: 'u1', plan: 'premium' });
    expect(Object.keys(all).sort()).toEqual(['button-color', 'checkout-v2', 'dark-mode', 'of-flag']);
    expect(all['button-color']?.value).toBe('green');
  });

  it('reports features that use a changed segment as changed', async () => {
    await server.api('POST', '/api/v1/environments/production/segments', { key: 'beta', included: ['u9'] });
    await release(server, 'checkout-v2', { action: 'segment', segment: 'beta' });
    const inBeta = (key: string) => () => client.booleanDetails('checkout-v2', { targetingKey: key }, false).reason === 'TARGETING_MATCH';
    await waitFor(inBeta('u9'), 5000, 'checkout-v2 for the beta segment');
    expect(inBeta('u10')()).toBe(false);
    const count = changes.length;
    await server.api('PUT', '/api/v1/environments/production/segments/beta', { included: ['u9', 'u10'] });
    await waitFor(inBeta('u10'), 5000, 'u10 in beta');
    expect(changes.slice(count).flatMap((c) => c.keys)).toEqual(['checkout-v2']);
  });
});

describe('the OpenFeature provider on a real server', () => {
  it('initialises through setProviderAndWait, resolves with details, and emits ConfigurationChanged', async () => {
    const provider = new GantryProvider({ url: server.url, token, ...fast });
    await OpenFeature.setProviderAndWait(provider);
    const flags = OpenFeature.getClient();
    expect(await flags.getBooleanDetails('of-flag', true, { targetingKey: 'u1' })).toMatchObject({ value: false, variant: 'off', reason: 'DISABLED' });
    expect(await flags.getStringDetails('of-flag', 'x', { targetingKey: 'u1' })).toMatchObject({ value: 'x', errorCode: 'TYPE_MISMATCH' });
    expect(await flags.getNumberDetails('missing', 3, { targetingKey: 'u1' })).toMatchObject({ value: 3, errorCode: 'FLAG_NOT_FOUND', reason: 'ERROR' });
    expect(await flags.getObjectDetails('missing', { a: 1 }, {})).toMatchObject({ value: { a: 1 }, errorCode: 'FLAG_NOT_FOUND' });

    const changed: EventDetails[] = [];
    flags.addHandler(ProviderEvents.ConfigurationChanged, (details) => {
      if (details) changed.push(details);
    });
    await release(server, 'of-flag', { action: 'on' });
    const event = await waitFor(() => changed.find((c) => c.flagsChanged?.includes('of-flag')), 5000, 'ConfigurationChanged');
    expect(event.flagsChanged).toEqual(['of-flag']);
    expect(await flags.getBooleanValue('of-flag', false, { targetingKey: 'u1' })).toBe(true);
    flags.track('checkout', { targetingKey: 'u1' }, { value: 12 });
    expect(provider.client.stats().eventsPending).toBe(1);
    await OpenFeature.close();
    expect(provider.client.status).toBe('closed');
    expect(provider.client.stats().eventsSent).toBe(1);
  });
});
