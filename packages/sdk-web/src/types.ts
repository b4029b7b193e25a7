import type { EvaluationContext } from '@gantry/core';

export type { EvaluationContext, JsonValue } from '@gantry/core';

/**
 * Why a value was served: the server's OFREP reason (`STATIC`, `TARGETING_MATCH`, `SPLIT`,
 * `DEFAULT`, `DISABLED`) or `ERROR` when the caller's default was returned.
 *
 * @example
 * const reason: FlagReason = 'SPLIT';
 */
export type FlagReason = 'STATIC' | 'TARGETING_MATCH' | 'SPLIT' | 'DEFAULT' | 'DISABLED' | 'ERROR' | (string & {});

/**
 * OpenFeature error codes this SDK reports. `PROVIDER_NOT_READY` means no evaluation for the
 * current context has arrived yet (and none was cached).
 *
 * @example
 * const details = client.booleanDetails('no-such-flag', false);
 * if (details.errorCode === 'FLAG_NOT_FOUND') console.warn('typo in a flag key?');
 */
export type FlagErrorCode =
  | 'FLAG_NOT_FOUND' | 'TYPE_MISMATCH' | 'TARGETING_KEY_MISSING' | 'PARSE_ERROR' | 'INVALID_CONTEXT'
  | 'PROVIDER_NOT_READY' | 'GENERAL';

/**
 * The full answer of a getter. On an error `value` is the default you passed, `reason` is
 * `ERROR` and `errorCode` says why; a getter never throws.
 *
 * @example
 * const { value, variant, reason, errorCode } = client.stringDetails('banner-color', 'blue');
 */
export interface FlagDetails<T> {
  readonly key: string;
  readonly value: T;
  readonly variant: string | undefined;
  readonly reason: FlagReason;
  readonly errorCode?: FlagErrorCode;
  readonly errorMessage?: string;
  readonly metadata?: Readonly<Record<string, string | number | boolean>>;
}

/**
 * Where the client stands. `loading`: nothing to serve yet. `ready`: values confirmed by the
 * server (or restored from the cache and not yet contradicted). `stale`: values are served but the
 * last refresh failed (offline, server down). `error`: the server refused us (bad token) or never
 * answered, and there is nothing cached. `closed`: {@link GantryWebClient.close} was called.
 *
 * @example
 * client.on('status', ({ status }) => { if (status === 'stale') showOfflineBadge(); });
 */
export type ClientStatus = 'loading' | 'ready' | 'stale' | 'error' | 'closed';

/**
 * Options of {@link createGantryWebClient}.
 *
 * @example
 * const options: GantryWebClientOptions = {
 *   url: 'https://gantry.example.com',
 *   token: 'gnt_…', // an sdk-client:production token: safe to ship to browsers
 *   context: { targetingKey: 'user-123', plan: 'premium' },
 * };
 */
export interface GantryWebClientOptions {
  /** The Gantry server's base URL (the origin that serves `/ofrep/v1/…`). */
  url: string;
  /** An `sdk-client:<environment>` token. Never put an admin or `sdk-server` token in a browser. */
  token: string;
  /** Who flags are evaluated for. `targetingKey` is needed by percentage rollouts. */
  context: EvaluationContext;
  /** Where evaluations are cached; `localStorage` by default, `null` to disable caching. */
  storage?: Storage | null;
  /** Prefix of the cache keys in storage; `gantry` by default. */
  storageKey?: string;
  /** How often to ask the server for changes (with `If-None-Match`); 30 s by default, 0 to never poll. At least 1 s. */
  pollIntervalMs?: number;
  /** Bound of `ready()`, `setContext()` and each request; 5 s by default. */
  timeoutMs?: number;
  /** A `fetch` implementation; the global one by default. */
  fetch?: typeof globalThis.fetch;
  /**
   * Listen to the server's change stream (`/api/v1/sdk/changes`) and evaluate again on each change;
   * true by default. Polling rests while the stream is open and takes over when it is not.
   */
  streaming?: boolean;
  /**
   * Pause polling and the stream while the tab is hidden, and refresh when it is visible again or
   * the browser comes back online; true by default.
   */
  followVisibility?: boolean;
}

/**
 * What a `change` event carries: the flags whose value or variant changed.
 *
 * @example
 * client.on('change', ({ keys, cause }) => console.log(`${cause}: ${keys.join(', ')} changed`));
 */
export interface ChangeEvent {
  /** Keys whose value, variant, reason or error changed (added and removed flags included). */
  readonly keys: readonly string[];
  /** `context`: after {@link GantryWebClient.setContext}; `refresh`: the server's answer changed. */
  readonly cause: 'context' | 'refresh';
}

/**
 * What a `status` event carries.
 *
 * @example
 * client.on('status', ({ status, error }) => { if (error) console.warn(`flags ${status}: ${error.message}`); });
 */
export interface StatusEvent {
  readonly status: ClientStatus;
  /** Why the status is `stale` or `error`. */
  readonly error?: GantryWebError;
}

/**
 * The events of a client, by name.
 *
 * @example
 * const off = client.on('change', ({ keys }) => render(keys));
 * off(); // unsubscribe
 */
export interface ClientEvents {
  change: ChangeEvent;
  status: StatusEvent;
}

/**
 * Why talking to the server failed. `UNAUTHORIZED`: the token was refused (401/403).
 * `NETWORK`: no answer (offline, server down, CORS). `TIMEOUT`: no answer in `timeoutMs`.
 * `INVALID_CONTEXT`: the server refused the context. `PARSE_ERROR`: the answer was not OFREP.
 * `HTTP`: any other status. `CLOSED`: the client was closed.
 *
 * @example
 * try { await client.ready(); } catch (e) { if (e instanceof GantryWebError && e.code === 'UNAUTHORIZED') alert('bad token'); }
 */
export class GantryWebError extends Error {
  override readonly name = 'GantryWebError';
  /** The HTTP status, when the server answered. */
  readonly status: number | undefined;
  /** How long the server asked us to wait before the next request (`Retry-After`). */
  readonly retryAfterMs: number | undefined;
  constructor(
    readonly code: 'UNAUTHORIZED' | 'NETWORK' | 'TIMEOUT' | 'INVALID_CONTEXT' | 'PARSE_ERROR' | 'HTTP' | 'CLOSED',
    message: string,
    options: { status?: number; retryAfterMs?: number; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
  }
}
