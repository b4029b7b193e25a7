import {
  ErrorCode, OpenFeatureEventEmitter, ProviderEvents, ProviderFatalError, type EvaluationContext, type JsonValue,
  type Provider, type ResolutionDetails,
} from '@openfeature/web-sdk';
import { createGantryWebClient, type GantryWebClient } from '../client.js';
import { GantryWebError, type FlagDetails, type GantryWebClientOptions } from '../types.js';

/**
 * Options of {@link GantryWebProvider}: those of the client without `context`, which comes from
 * OpenFeature (`OpenFeature.setContext`).
 *
 * @example
 * const options: GantryWebProviderOptions = { url: 'https://gantry.example.com', token, pollIntervalMs: 60_000 };
 */
export type GantryWebProviderOptions = Omit<GantryWebClientOptions, 'context'>;

function toResolution<T>(details: FlagDetails<T>): ResolutionDetails<T> {
  const resolution: ResolutionDetails<T> = { value: details.value, reason: details.reason };
  if (details.variant !== undefined) resolution.variant = details.variant;
  if (details.errorCode !== undefined) resolution.errorCode = details.errorCode as ErrorCode;
  if (details.errorMessage !== undefined) resolution.errorMessage = details.errorMessage;
  if (details.metadata !== undefined) resolution.flagMetadata = details.metadata;
  return resolution;
}

const notReady = <T>(value: T): ResolutionDetails<T> =>
  ({ value, reason: 'ERROR', errorCode: ErrorCode.PROVIDER_NOT_READY, errorMessage: 'the Gantry provider is not initialized' });

/**
 * OpenFeature web provider for Gantry (static-context paradigm): one bulk evaluation per context
 * through the Gantry client, synchronous resolution from it, `ConfigurationChanged` with the changed
 * flags when a refresh brings new values, `Stale` when the server cannot be reached (cached values
 * are still served), `Error` when the token is refused, and `Ready` again once answers come back.
 *
 * @example
 * import { OpenFeature } from '@openfeature/web-sdk';
 * import { GantryWebProvider } from '@gantry/sdk-web/openfeature';
 * await OpenFeature.setContext({ targetingKey: user.id, plan: user.plan });
 * await OpenFeature.setProviderAndWait(new GantryWebProvider({ url: 'https://gantry.example.com', token }));
 * const client = OpenFeature.getClient();
 * client.getBooleanValue('new-checkout', false);
 */
export class GantryWebProvider implements Provider {
  readonly metadata = { name: 'gantry-web' } as const;
  readonly runsOn = 'client' as const;
  readonly events = new OpenFeatureEventEmitter();
  readonly #options: GantryWebProviderOptions;
  #client: GantryWebClient | undefined;
  #unsubscribe: Array<() => void> = [];
  /** Whether OpenFeature was last told something other than Ready (a failed start, Stale, Error). */
  #degraded = false;
  #started = false;

  constructor(options: GantryWebProviderOptions) {
    this.#options = options;
  }

  /** The underlying client once initialized: for `refresh()`, `status` or `allDetails()`. */
  get client(): GantryWebClient | undefined {
    return this.#client;
  }

  /** Called by OpenFeature with the global context; resolves once values can be served. */
  async initialize(context: EvaluationContext = {}): Promise<void> {
    this.#detach();
    const client = createGantryWebClient({ ...this.#options, context });
    this.#client = client;
    this.#started = false;
    this.#unsubscribe = [
      client.on('change', ({ keys, cause }) => {
        // Context changes are announced by OpenFeature itself (ContextChanged).
        if (this.#started && cause === 'refresh') this.events.emit(ProviderEvents.ConfigurationChanged, { flagsChanged: [...keys] });
      }),
      client.on('status', ({ status, error }) => {
        if (!this.#started) return;
        if (status === 'ready' && this.#degraded) {
          this.#degraded = false;
          this.events.emit(ProviderEvents.Ready);
        } else if (status === 'stale') {
          this.#degraded = true;
          this.events.emit(ProviderEvents.Stale, { message: error?.message ?? 'cannot reach Gantry; serving cached values' });
        } else if (status === 'error') {
          this.#degraded = true;
          this.events.emit(ProviderEvents.Error, { message: error?.message ?? 'Gantry refused the request', errorCode: ErrorCode.GENERAL });
        }
      }),
    ];
    try {
      await client.ready();
      this.#degraded = false;
    } catch (error) {
      this.#degraded = true;
      if (error instanceof GantryWebError && error.code === 'UNAUTHORIZED') throw new ProviderFatalError(error.message);
      throw error;
    } finally {
      this.#started = true;
    }
  }

  /** Called by OpenFeature when the static context changes: evaluates again for the new context. */
  async onContextChange(_oldContext: EvaluationContext, newContext: EvaluationContext): Promise<void> {
    if (!this.#client || this.#client.status === 'closed') return this.initialize(newContext);
    await this.#client.setContext(newContext);
  }

  resolveBooleanEvaluation(flagKey: string, defaultValue: boolean): ResolutionDetails<boolean> {
    return this.#client ? toResolution(this.#client.booleanDetails(flagKey, defaultValue)) : notReady(defaultValue);
  }

  resolveStringEvaluation(flagKey: string, defaultValue: string): ResolutionDetails<string> {
    return this.#client ? toResolution(this.#client.stringDetails(flagKey, defaultValue)) : notReady(defaultValue);
  }

  resolveNumberEvaluation(flagKey: string, defaultValue: number): ResolutionDetails<number> {
    return this.#client ? toResolution(this.#client.numberDetails(flagKey, defaultValue)) : notReady(defaultValue);
  }

  resolveObjectEvaluation<T extends JsonValue>(flagKey: string, defaultValue: T): ResolutionDetails<T> {
    return this.#client ? toResolution(this.#client.jsonDetails(flagKey, defaultValue)) : notReady(defaultValue);
  }

  /** Called by OpenFeature when the provider is replaced or OpenFeature closes. */
  async onClose(): Promise<void> {
    this.#detach();
    this.#client?.close();
    this.#client = undefined;
  }

  #detach(): void {
    for (const off of this.#unsubscribe) off();
    this.#unsubscribe = [];
    this.#client?.close();
  }
}
