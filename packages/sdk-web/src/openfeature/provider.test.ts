import { OFREPWebProvider } from '@openfeature/ofrep-web-provider';
import { OpenFeature, ProviderEvents, ProviderStatus, type EventDetails } from '@openfeature/web-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../../../../test-support/gantry-server.js';
import { next, release, seededServer } from '../test-support/fixtures.js';
import { MemoryStorage } from '../test-support/memory-storage.js';
import { GantryWebProvider } from './index.js';

/** Our provider inside OpenFeature's web SDK, next to OpenFeature's own OFREP web provider, both on one real server. */
let server: TestServer;
let token: string;

beforeAll(async () => {
  ({ server, token } = await seededServer());
});
afterAll(async () => {
  await OpenFeature.close();
  await server.close();
});

const onEvent = (domain: string, event: ProviderEvents, ms = 10_000) =>
  next<EventDetails>((h) => {
    const client = OpenFeature.getClient(domain);
    const handler = (details?: EventDetails) => h(details ?? ({} as EventDetails));
    client.addHandler(event, handler);
    return () => client.removeHandler(event, handler);
  }, ms);

describe('GantryWebProvider in the OpenFeature web SDK', () => {
  const domain = 'gantry';
  let provider: GantryWebProvider;

  beforeAll(async () => {
    provider = new GantryWebProvider({ url: server.url, token, storage: new MemoryStorage(), pollIntervalMs: 1000 });
    await OpenFeature.setContext(domain, { targetingKey: 'user-1', plan: 'free' });
    await OpenFeature.setProviderAndWait(domain, provider);
  });

  it('resolves every type synchronously with variants and reasons', () => {
    const client = OpenFeature.getClient(domain);
    expect(client.providerStatus).toBe(ProviderStatus.READY);
    expect(client.getBooleanDetails('new-checkout', false)).toMatchObject({ value: true, variant: 'on', reason: 'STATIC' });
    expect(client.getStringValue('banner-color', 'red')).toBe('blue');
    expect(client.getNumberValue('max-items', 0)).toBe(5);
    expect(client.getObjectValue('layout', {})).toEqual({ columns: 3 });
    expect(client.getBooleanValue('premium-only', true)).toBe(false);
  });

  it('gives the default with OpenFeature error codes', () => {
    const client = OpenFeature.getClient(domain);
    expect(client.getBooleanDetails('no-such-flag', true)).toMatchObject({ value: true, reason: 'ERROR', errorCode: 'FLAG_NOT_FOUND' });
    expect(client.getNumberDetails('banner-color', 7)).toMatchObject({ value: 7, reason: 'ERROR', errorCode: 'TYPE_MISMATCH' });
  });

  it('evaluates again when the static context changes', async () => {
    const changed = onEvent(domain, ProviderEvents.ContextChanged);
    await OpenFeature.setContext(domain, { targetingKey: 'user-1', plan: 'premium' });
    await changed;
    const client = OpenFeature.getClient(domain);
    expect(client.getBooleanValue('premium-only', false)).toBe(true);
    await OpenFeature.setContext(domain, { plan: 'premium' });
    expect(client.getBooleanDetails('gradual', true)).toMatchObject({ value: true, reason: 'ERROR', errorCode: 'TARGETING_KEY_MISSING' });
    await OpenFeature.setContext(domain, { targetingKey: 'user-1', plan: 'free' });
  });

  it('emits ConfigurationChanged with the changed flags when a release reaches it', async () => {
    const changed = onEvent(domain, ProviderEvents.ConfigurationChanged);
    await release(server, 'later', { action: 'on' });
    expect((await changed).flagsChanged).toEqual(['later']);
    expect(OpenFeature.getClient(domain).getBooleanValue('later', false)).toBe(true);
  });

  it('emits Stale when the server is away, keeps serving, and Ready when it is back', async () => {
    const client = OpenFeature.getClient(domain);
    const stale = onEvent(domain, ProviderEvents.Stale);
    await server.stop();
    try {
      expect((await stale).message).toMatch(/cannot reach/);
      expect(client.providerStatus).toBe(ProviderStatus.STALE);
      expect(client.getBooleanDetails('new-checkout', false)).toMatchObject({ value: true, variant: 'on' });
    } finally {
      await server.start();
    }
    await onEvent(domain, ProviderEvents.Ready);
    expect(client.providerStatus).toBe(ProviderStatus.READY);
  });

  it('a start without an answer in time is an error, and becomes Ready once the server answers', async () => {
    let offline = true;
    const fetch: typeof globalThis.fetch = (input, init) => (offline ? Promise.reject(new TypeError('Failed to fetch')) : globalThis.fetch(input, init));
    const late = new GantryWebProvider({ url: server.url, token, storage: null, timeoutMs: 500, pollIntervalMs: 1000, fetch });
    await expect(OpenFeature.setProviderAndWait('late', late)).rejects.toMatchObject({ code: 'TIMEOUT' });
    const client = OpenFeature.getClient('late');
    expect(client.providerStatus).toBe(ProviderStatus.ERROR);
    expect(client.getBooleanDetails('new-checkout', false)).toMatchObject({ value: false, errorCode: 'PROVIDER_NOT_READY' });
    offline = false;
    await onEvent('late', ProviderEvents.Ready);
    expect(client.providerStatus).toBe(ProviderStatus.READY);
    expect(client.getBooleanValue('new-checkout', false)).toBe(true);
  });

  it('a refused token makes the provider fatal and evaluations return defaults', async () => {
    const bad = new GantryWebProvider({ url: server.url, token: 'gnt_wrong', storage: null });
    await expect(OpenFeature.setProviderAndWait('refused', bad)).rejects.toThrow(/refused the token/);
    const client = OpenFeature.getClient('refused');
    expect(client.providerStatus).toBe(ProviderStatus.FATAL);
    expect(client.getBooleanDetails('new-checkout', false)).toMatchObject({ value: false, errorCode: 'PROVIDER_FATAL' });
  });
});

describe("OpenFeature's own OFREP web provider against the same server", () => {
  it('agrees with ours for every flag and context', async () => {
    await OpenFeature.setProviderAndWait('ours', new GantryWebProvider({ url: server.url, token, storage: null, pollIntervalMs: 0 }));
    await OpenFeature.setProviderAndWait('ofrep', new OFREPWebProvider({ baseUrl: server.url, headers: [['Authorization', `Bearer ${token}`]], cacheMode: 'disabled' }));
    const ours = OpenFeature.getClient('ours');
    const theirs = OpenFeature.getClient('ofrep');
    const contexts: Array<{ targetingKey?: string; plan?: string }> = [{ targetingKey: 'a', plan: 'premium' }, { targetingKey: 'b', plan: 'free' }, {}];
    for (const context of contexts) {
      await Promise.all([OpenFeature.setContext('ours', context), OpenFeature.setContext('ofrep', context)]);
      const pick = (d: { value: unknown; variant?: string; reason?: string; errorCode?: string }) => ({ value: d.value, variant: d.variant, reason: d.reason, errorCode: d.errorCode });
      for (const key of ['new-checkout', 'later', 'premium-only', 'gradual', 'no-such-flag']) {
        expect(pick(ours.getBooleanDetails(key, false)), `${key} for ${JSON.stringify(context)}`).toEqual(pick(theirs.getBooleanDetails(key, false)));
      }
      expect(pick(ours.getStringDetails('banner-color', 'red'))).toEqual(pick(theirs.getStringDetails('banner-color', 'red')));
      expect(pick(ours.getNumberDetails('max-items', 0))).toEqual(pick(theirs.getNumberDetails('max-items', 0)));
      expect(pick(ours.getObjectDetails('layout', {}))).toEqual(pick(theirs.getObjectDetails('layout', {})));
      expect(pick(ours.getNumberDetails('banner-color', 1))).toEqual(pick(theirs.getNumberDetails('banner-color', 1)));
      // Both really evaluated (not two providers agreeing on defaults).
      expect(theirs.getBooleanDetails('new-checkout', false)).toMatchObject({ value: true, variant: 'on' });
      expect(theirs.getBooleanDetails('premium-only', false).value).toBe(context.plan === 'premium');
    }
  });
});
