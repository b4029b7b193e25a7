/**
 * The page of the browser test, bundled by esbuild at test time: the OpenFeature web SDK with
 * Gantry's provider, imported by package name as an application would. The test drives it
 * through `window.gantryTest`.
 */
import { GantryWebProvider } from '@gantry/sdk-web/openfeature';
import { OpenFeature, ProviderEvents, type EventDetails } from '@openfeature/web-sdk';

const events: Array<{ type: string; flagsChanged?: string[]; message?: string }> = [];
for (const type of [ProviderEvents.Ready, ProviderEvents.Stale, ProviderEvents.Error, ProviderEvents.ConfigurationChanged, ProviderEvents.ContextChanged]) {
  OpenFeature.addHandler(type, (details?: EventDetails) => {
    events.push({ type, ...(details?.flagsChanged ? { flagsChanged: details.flagsChanged } : {}), ...(details?.message ? { message: details.message } : {}) });
  });
}

function values(): Record<string, unknown> {
  const client = OpenFeature.getClient();
  return {
    'new-checkout': client.getBooleanValue('new-checkout', false),
    'banner-color': client.getStringValue('banner-color', 'red'),
    'max-items': client.getNumberValue('max-items', 0),
    layout: client.getObjectValue('layout', {}),
    'premium-only': client.getBooleanValue('premium-only', false),
    later: client.getBooleanValue('later', false),
    'no-such-flag': client.getBooleanDetails('no-such-flag', true).errorCode,
  };
}

const api = {
  events,
  values,
  status: () => OpenFeature.getClient().providerStatus,
  /** Starts OpenFeature with Gantry's provider; resolves with how long initialization took. */
  async start(token: string, context: Record<string, string>): Promise<{ ms: number }> {
    const started = performance.now();
    await OpenFeature.setContext(context);
    await OpenFeature.setProviderAndWait(new GantryWebProvider({ url: location.origin, token, pollIntervalMs: 1000, timeoutMs: 3000 }));
    return { ms: performance.now() - started };
  },
  setContext: (context: Record<string, string>) => OpenFeature.setContext(context),
  storedKeys: () => Object.keys(localStorage),
};

(globalThis as unknown as { gantryTest: typeof api }).gantryTest = api;
document.body.dataset.ready = 'true';
