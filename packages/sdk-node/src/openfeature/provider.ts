import { ErrorCode as OpenFeatureErrorCode, OpenFeatureEventEmitter, ProviderEvents } from '@openfeature/server-sdk';
import type {
  EvaluationContext as OpenFeatureContext, Hook, JsonValue, Provider, ResolutionDetails, TrackingEventDetails,
} from '@openfeature/server-sdk';
import type { EvaluationContext, JsonStructure } from '@gantry/core';
import { createGantryClient, GantryClient } from '../client.js';
import type { GantryClientOptions } from '../options.js';
import type { ErrorCode, EvaluationDetails, StatusEvent } from '../types.js';

const ERROR_CODES: Record<ErrorCode, OpenFeatureErrorCode> = {
  PROVIDER_NOT_READY: OpenFeatureErrorCode.PROVIDER_NOT_READY,
  FLAG_NOT_FOUND: OpenFeatureErrorCode.FLAG_NOT_FOUND,
  PARSE_ERROR: OpenFeatureErrorCode.PARSE_ERROR,
  TYPE_MISMATCH: OpenFeatureErrorCode.TYPE_MISMATCH,
  TARGETING_KEY_MISSING: OpenFeatureErrorCode.TARGETING_KEY_MISSING,
  GENERAL: OpenFeatureErrorCode.GENERAL,
};

/** OpenFeature contexts may hold `Date`s; Gantry's date operators read ISO strings or epoch milliseconds. */
function toGantryContext(context: OpenFeatureContext): EvaluationContext {
  let copy: Record<string, unknown> | undefined;
  for (const key in context) {
    const value = context[key];
    if (value instanceof Date) {
      copy ??= { ...context };
      copy[key] = Number.isNaN(value.getTime()) ? undefined : value.toISOString();
    }
  }
  return (copy ?? context) as EvaluationContext;
}

function toResolution<T>(details: EvaluationDetails<T>): ResolutionDetails<T> {
  const resolution: ResolutionDetails<T> = { value: details.value, reason: details.reason };
  if (details.variant !== undefined) resolution.variant = details.variant;
  if (details.errorCode !== undefined) {
    resolution.errorCode = ERROR_CODES[details.errorCode] ?? OpenFeatureErrorCode.GENERAL;
    if (details.errorMessage !== undefined) resolution.errorMessage = details.errorMessage;
  }
  if (details.metadata !== undefined) resolution.flagMetadata = details.metadata;
  return resolution;
}

/**
 * An OpenFeature server provider backed by a {@link GantryClient}: evaluates locally, reports
 * `ConfigurationChanged` (with `flagsChanged`) when a new snapshot changes features, `Stale`
 * when the server goes away (last known snapshot still served), `Error` when the token is refused,
 * and `Ready` on recovery. Given options, it creates and owns its client (closed by `onClose`);
 * given a client, it shares it and leaves closing it to you.
 *
 * @example
 * import { OpenFeature } from '@openfeature/server-sdk';
 * import { GantryProvider } from '@gantry/sdk-node/openfeature';
 *
 * await OpenFeature.setProviderAndWait(new GantryProvider({ url: 'https://gantry.example.com', token: 'gnt_…' }));
 * const flags = OpenFeature.getClient();
 * const enabled = await flags.getBooleanValue('new-checkout', false, { targetingKey: 'user-123' });
 */
export class GantryProvider implements Provider {
  readonly metadata = { name: 'gantry' } as const;
  readonly runsOn = 'server' as const;
  readonly hooks: Hook[] = [];
  readonly events = new OpenFeatureEventEmitter();
  /** The client behind the provider: use it for `stats()`, `status` or Gantry-specific calls. */
  readonly client: GantryClient;
  readonly #owned: boolean;
  readonly #unsubscribe: (() => void)[] = [];
  #initialised = false;

  constructor(clientOrOptions: GantryClient | GantryClientOptions) {
    this.#owned = !(clientOrOptions instanceof GantryClient);
    this.client = clientOrOptions instanceof GantryClient ? clientOrOptions : createGantryClient(clientOrOptions);
    this.#unsubscribe.push(
      this.client.on('change', ({ keys, revision }) => {
        this.events.emit(ProviderEvents.ConfigurationChanged, { flagsChanged: [...keys], metadata: { revision } });
      }),
      this.client.on('status', (event) => this.#onStatus(event)),
    );
  }

  /** Waits for the client's `ready()`; OpenFeature calls it from `setProvider`/`setProviderAndWait`. */
  async initialize(): Promise<void> {
    try {
      await this.client.ready();
      // Ready from a bootstrap with the server away: OpenFeature marks the provider ready when
      // this resolves, so say it is stale right after.
      if (this.client.status === 'stale') {
        setImmediate(() => {
          if (this.client.status === 'stale') this.events.emit(ProviderEvents.Stale, { message: 'serving the bootstrap snapshot: the server is away' });
        });
      }
    } finally {
      this.#initialised = true;
    }
  }

  /** Closes the client if the provider created it. */
  async onClose(): Promise<void> {
    for (const stop of this.#unsubscribe.splice(0)) stop();
    if (this.#owned) await this.client.close();
  }

  resolveBooleanEvaluation(flagKey: string, defaultValue: boolean, context: OpenFeatureContext): Promise<ResolutionDetails<boolean>> {
    return Promise.resolve(toResolution(this.client.booleanDetails(flagKey, toGantryContext(context), defaultValue)));
  }

  resolveStringEvaluation(flagKey: string, defaultValue: string, context: OpenFeatureContext): Promise<ResolutionDetails<string>> {
    return Promise.resolve(toResolution(this.client.stringDetails(flagKey, toGantryContext(context), defaultValue)));
  }

  resolveNumberEvaluation(flagKey: string, defaultValue: number, context: OpenFeatureContext): Promise<ResolutionDetails<number>> {
    return Promise.resolve(toResolution(this.client.numberDetails(flagKey, toGantryContext(context), defaultValue)));
  }

  resolveObjectEvaluation<T extends JsonValue>(flagKey: string, defaultValue: T, context: OpenFeatureContext): Promise<ResolutionDetails<T>> {
    const details = this.client.jsonDetails(flagKey, toGantryContext(context), defaultValue as unknown as JsonStructure);
    return Promise.resolve(toResolution(details as unknown as EvaluationDetails<T>));
  }

  /** Sends the event through the client's `track` (the `value` of the details is reported). */
  track(trackingEventName: string, context: OpenFeatureContext, trackingEventDetails?: TrackingEventDetails): void {
    this.client.track(trackingEventName, toGantryContext(context), trackingEventDetails?.value);
  }

  #onStatus({ status, previous, error }: StatusEvent): void {
    // Before initialize() settles, OpenFeature reports readiness itself.
    if (!this.#initialised) return;
    if (status === 'ready' && previous !== 'ready') this.events.emit(ProviderEvents.Ready, { message: 'connected to Gantry' });
    else if (status === 'stale') this.events.emit(ProviderEvents.Stale, { message: `serving the last known snapshot: ${error?.message ?? 'the server is away'}` });
    else if (status === 'failed') this.events.emit(ProviderEvents.Error, { message: error?.message ?? 'Gantry refused the token' });
  }
}
