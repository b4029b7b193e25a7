/**
 * The page of the browser test, bundled by esbuild at test time: the OpenFeature web SDK with
 * Gantry's provider, imported by package name as an application would. The test drives it
 * through `window.gantryTest`.
 */
import { GantryWebProvider } from '@gantry/sdk-web/openfeature';
import { OpenFeature, ProviderEvents, type EventDetails } from '@openfeature/web-sdk';

export interface PageEvent {
  type: string;
  flagsChanged?: string[];
  message?: string;
}

export interface StartOptions {
  url: string;
  token: string;
  context: Record<string, string>;
  streaming: boolean;
  pollIntervalMs: number;
}

const events: PageEvent[] = [];
for (const type of [ProviderEvents.Ready, ProviderEvents.Stale, ProviderEvents.Error, ProviderEvents.ConfigurationChanged, ProviderEvents.ContextChanged]) {
  OpenFeature.addHandler(type, (details?: EventDetails) => {
    const event: PageEvent = { type };
    const changed = (details as { flagsChanged?: string[] } | undefined)?.flagsChanged;
    if (changed) event.flagsChanged = [...changed];
    if (details?.message) event.message = details.message;
    events.push(event);
  });
}

/** Status of every bulk evaluation request the page made (to see 304s across origins). */
const bulkStatuses: number[] = [];
const recordingFetch: typeof fetch = async (input, init) => {
  const res = await fetch(input, init);
  if (String(input).endsWith('/ofrep/v1/evaluate/flags')) bulkStatuses.push(res.status);
  return res;
};

let provider: GantryWebProvider | undefined;

const api = {
  events,
  bulkStatuses,
  values(): Record<string, unknown> {
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
  },
  status: () => OpenFeature.getClient().providerStatus,
  /** Starts OpenFeature with Gantry's provider. */
  async start(options: StartOptions): Promise<void> {
    const { context, ...rest } = options;
    await OpenFeature.setContext(context);
    provider = new GantryWebProvider({ ...rest, fetch: recordingFetch, timeoutMs: 3000 });
    await OpenFeature.setProviderAndWait(provider);
  },
  refresh: () => provider!.client!.refresh(),
  storedKeys: () => Object.keys(localStorage),
  /** Pretends the tab went to the background or came back (headless tabs are always visible). */
  setVisibility(state: 'hidden' | 'visible') {
    Object.defineProperty(document, 'visibilityState', { value: state, configurable: true });
    document.dispatchEvent(new Event('visibilitychange'));
  },
  goOnline: () => window.dispatchEvent(new Event('online')),
};

export type PageApi = typeof api;
(globalThis as unknown as { gantryTest: PageApi }).gantryTest = api;
document.body.dataset.ready = 'true';
