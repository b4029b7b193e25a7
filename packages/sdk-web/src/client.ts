import { defaultStorage, EvaluationCache } from './cache.js';
import { Emitter } from './emitter.js';
import { copyContext } from './context.js';
import { changedKeys, fetchBulk, type BulkOutcome, type FlagSet } from './ofrep.js';
import { resolveFlag } from './resolve.js';
import { RevisionStream } from './revision-stream.js';
import { attachRefreshTriggers, isHidden } from './triggers.js';
import {
  GantryWebError, type ChangeEvent, type ClientEvents, type ClientStatus, type EvaluationContext, type FlagDetails,
  type GantryWebClientOptions, type JsonValue,
} from './types.js';

const DEFAULT_POLL_MS = 30_000;
const MIN_POLL_MS = 1_000;
const DEFAULT_TIMEOUT_MS = 5_000;
const MAX_RETRY_MS = 30_000;
/** Refreshes after a change-stream event are spread over this window. */
const STREAM_JITTER_MS = 500;
/** Errors that waiting will not fix: `ready()` rejects on them at once. */
const FATAL: ReadonlySet<GantryWebError['code']> = new Set(['UNAUTHORIZED', 'INVALID_CONTEXT']);

/**
 * Gantry's browser client: evaluates every flag for one context through the server (OFREP bulk
 * evaluation), keeps the answer in memory and in `localStorage`, and answers getters synchronously
 * from it. Create it with {@link createGantryWebClient}.
 *
 * @example
 * const client = createGantryWebClient({ url: 'https://gantry.example.com', token, context: { targetingKey: user.id } });
 * await client.ready();
 * if (client.boolean('new-checkout', false)) showNewCheckout();
 */
export class GantryWebClient {
  readonly #baseUrl: string;
  readonly #token: string;
  readonly #fetch: typeof globalThis.fetch;
  readonly #timeoutMs: number;
  readonly #pollMs: number;
  readonly #cache: EvaluationCache;
  readonly #events = new Emitter<ClientEvents>();
  readonly #stream: RevisionStream | undefined;
  readonly #detachTriggers: () => void;
  #context: EvaluationContext;
  #contextText: string;
  #flags: FlagSet | undefined;
  #etag: string | undefined;
  #status: ClientStatus = 'loading';
  #error: GantryWebError | undefined;
  #generation = 0;
  #inflight: { generation: number; promise: Promise<void>; abort: AbortController } | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #refetchTimer: ReturnType<typeof setTimeout> | undefined;
  #failures = 0;
  #lastAttempt = 0;
  readonly #pauseWhenHidden: boolean;

  constructor(options: GantryWebClientOptions) {
    if (typeof options?.url !== 'string' || !/^https?:\/\/[^/]/i.test(options.url)) throw new TypeError('url must be the Gantry server\'s absolute http(s) URL');
    if (typeof options.token !== 'string' || options.token === '') throw new TypeError('token must be an sdk-client token');
    this.#baseUrl = options.url.replace(/\/+$/, '');
    this.#token = options.token;
    this.#fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#pollMs = options.pollIntervalMs === 0 ? 0 : Math.max(MIN_POLL_MS, options.pollIntervalMs ?? DEFAULT_POLL_MS);
    const storage = options.storage === undefined ? defaultStorage() : options.storage;
    this.#cache = new EvaluationCache(storage, options.storageKey ?? 'gantry', this.#baseUrl, this.#token);
    ({ context: this.#context, text: this.#contextText } = copyContext(options.context));
    const cached = this.#cache.read(this.#context);
    if (cached) {
      this.#flags = cached.flags;
      this.#etag = cached.etag;
      this.#status = 'ready';
    }
    this.#stream = options.streaming === false ? undefined
      : new RevisionStream({ baseUrl: this.#baseUrl, token: this.#token, fetch: this.#fetch, onRevision: () => this.#refetch() });
    this.#pauseWhenHidden = options.followVisibility !== false;
    this.#detachTriggers = this.#pauseWhenHidden ? attachRefreshTriggers({
      visible: () => {
        this.#stream?.start();
        this.#nudge(MIN_POLL_MS);
      },
      hidden: () => this.#stream?.stop(),
    }) : () => {};
    if (!(this.#pauseWhenHidden && isHidden())) this.#stream?.start();
    this.#refresh('refresh').catch(() => {});
  }

  /** Where the client stands; see {@link ClientStatus}. */
  get status(): ClientStatus {
    return this.#status;
  }

  /** The current context, frozen, as sent to the server. */
  get context(): EvaluationContext {
    return this.#context;
  }

  /**
   * Resolves once values can be served: at once when the cache held an evaluation for this
   * context, else when the first answer arrives. Rejects with a {@link GantryWebError} when the
   * token or context is refused, or when nothing arrived within `timeoutMs` (the client keeps
   * trying in the background and getters return defaults meanwhile).
   *
   * @example
   * await client.ready().catch(() => {}); // render with defaults when the server is away
   */
  ready(): Promise<void> {
    if (this.#flags) return Promise.resolve();
    if (this.#status === 'closed') return Promise.reject(new GantryWebError('CLOSED', 'the client is closed'));
    if (this.#status === 'error' && this.#error && FATAL.has(this.#error.code)) return Promise.reject(this.#error);
    return new Promise((resolve, reject) => {
      const settle = (done: () => void) => {
        clearTimeout(timer);
        off();
        done();
      };
      const timer = setTimeout(() => settle(() => reject(new GantryWebError('TIMEOUT', `no evaluation within ${this.#timeoutMs} ms`, { cause: this.#error }))), this.#timeoutMs);
      const off = this.#events.on('status', ({ status, error }) => {
        if (this.#flags) settle(resolve);
        else if (status === 'closed') settle(() => reject(new GantryWebError('CLOSED', 'the client is closed')));
        else if (status === 'error' && error && FATAL.has(error.code)) settle(() => reject(error));
      });
    });
  }

  /**
   * Switches to another context (a user logged in, an attribute changed) and evaluates again.
   * Values cached for that context are served at once; otherwise the previous values are served
   * until the answer arrives. Emits `change` with the keys that differ. Rejects when the new
   * evaluation could not be fetched and nothing was cached for the context.
   *
   * @example
   * await client.setContext({ targetingKey: user.id, plan: user.plan });
   */
  async setContext(context: EvaluationContext): Promise<void> {
    if (this.#status === 'closed') throw new GantryWebError('CLOSED', 'the client is closed');
    const next = copyContext(context);
    if (next.text === this.#contextText) return;
    this.#generation++;
    this.#inflight?.abort.abort();
    this.#inflight = undefined;
    this.#context = next.context;
    this.#contextText = next.text;
    this.#etag = undefined;
    const cached = this.#cache.read(this.#context);
    if (cached) {
      const keys = this.#install(cached.flags, cached.etag);
      this.#setStatus('ready');
      this.#announce(keys, 'context');
    }
    try {
      await this.#refresh('context');
    } catch (error) {
      if (!cached) throw error;
    }
  }

  /**
   * Asks the server now (with `If-None-Match`, so an unchanged evaluation costs a 304). Rejects
   * when the server cannot be reached; values are kept.
   *
   * @example
   * window.addEventListener('focus', () => void client.refresh().catch(() => {}));
   */
  refresh(): Promise<void> {
    return this.#refresh('refresh');
  }

  /**
   * Listens to `change` (flag values changed, with the keys) or `status` events; returns the
   * function that stops listening.
   *
   * @example
   * const off = client.on('change', ({ keys }) => { if (keys.includes('new-checkout')) rerender(); });
   */
  on<K extends keyof ClientEvents>(name: K, handler: (event: ClientEvents[K]) => void): () => void {
    return this.#events.on(name, handler);
  }

  /** @example const on = client.boolean('new-checkout', false); */
  boolean(key: string, defaultValue: boolean): boolean {
    return this.booleanDetails(key, defaultValue).value;
  }

  /** @example const color = client.string('banner-color', 'blue'); */
  string(key: string, defaultValue: string): string {
    return this.stringDetails(key, defaultValue).value;
  }

  /** @example const max = client.number('max-items', 10); */
  number(key: string, defaultValue: number): number {
    return this.numberDetails(key, defaultValue).value;
  }

  /** Objects and arrays (frozen: do not modify them). @example const layout = client.json('layout', { columns: 1 }); */
  json<T extends JsonValue>(key: string, defaultValue: T): T {
    return this.jsonDetails(key, defaultValue).value;
  }

  /**
   * The value with its variant and reason, or the default with an error code: `FLAG_NOT_FOUND`,
   * `TYPE_MISMATCH` (the flag has another type than the default), `TARGETING_KEY_MISSING`,
   * `PROVIDER_NOT_READY`… Never throws.
   *
   * @example
   * const { value, variant, reason, errorCode } = client.booleanDetails('new-checkout', false);
   */
  booleanDetails(key: string, defaultValue: boolean): FlagDetails<boolean> {
    return resolveFlag(this.#flags, key, defaultValue, 'boolean');
  }

  /** @example const { value, errorCode } = client.stringDetails('banner-color', 'blue'); */
  stringDetails(key: string, defaultValue: string): FlagDetails<string> {
    return resolveFlag(this.#flags, key, defaultValue, 'string');
  }

  /** @example const { value, errorCode } = client.numberDetails('max-items', 10); */
  numberDetails(key: string, defaultValue: number): FlagDetails<number> {
    return resolveFlag(this.#flags, key, defaultValue, 'number');
  }

  /** @example const { value, variant } = client.jsonDetails('layout', { columns: 1 }); */
  jsonDetails<T extends JsonValue>(key: string, defaultValue: T): FlagDetails<T> {
    return resolveFlag(this.#flags, key, defaultValue, 'json');
  }

  /**
   * Every flag's details for the current context, keyed by flag (values as served, without type
   * checks): for debugging panels and for bridging to other libraries.
   *
   * @example
   * console.table(client.allDetails());
   */
  allDetails(): Record<string, FlagDetails<unknown>> {
    const out: Record<string, FlagDetails<unknown>> = {};
    for (const key of this.#flags?.keys() ?? []) out[key] = resolveFlag(this.#flags, key, undefined, 'any');
    return out;
  }

  /**
   * Stops polling, streams and listeners. Getters keep answering from memory.
   *
   * @example
   * window.addEventListener('pagehide', () => client.close());
   */
  close(): void {
    if (this.#status === 'closed') return;
    this.#generation++;
    this.#inflight?.abort.abort();
    this.#inflight = undefined;
    clearTimeout(this.#timer);
    clearTimeout(this.#refetchTimer);
    this.#detachTriggers();
    this.#stream?.stop();
    this.#setStatus('closed');
    this.#events.clear();
  }

  #refresh(cause: ChangeEvent['cause']): Promise<void> {
    if (this.#status === 'closed') return Promise.reject(new GantryWebError('CLOSED', 'the client is closed'));
    if (this.#inflight && this.#inflight.generation === this.#generation) return this.#inflight.promise;
    clearTimeout(this.#timer);
    const generation = this.#generation;
    const abort = new AbortController();
    this.#lastAttempt = Date.now();
    // Settled requests leave at once, so a refresh() right after ready() asks the server again.
    const done = () => {
      if (this.#inflight?.abort === abort) this.#inflight = undefined;
    };
    const promise: Promise<void> = fetchBulk({
      baseUrl: this.#baseUrl, token: this.#token, context: this.#context, etag: this.#flags ? this.#etag : undefined,
      timeoutMs: this.#timeoutMs, fetch: this.#fetch, signal: abort.signal,
    }).then(
      (outcome) => {
        done();
        if (generation !== this.#generation) throw new GantryWebError('CLOSED', 'superseded by a newer context');
        this.#failures = 0;
        this.#apply(outcome, cause);
      },
      (error: unknown) => {
        done();
        const failure = error instanceof GantryWebError ? error : new GantryWebError('NETWORK', String(error), { cause: error });
        if (generation === this.#generation && failure.code !== 'CLOSED') this.#fail(failure);
        throw failure;
      },
    ).finally(() => {
      if (generation === this.#generation && !this.#inflight) this.#schedule();
    });
    this.#inflight = { generation, promise, abort };
    return promise;
  }

  #apply(outcome: BulkOutcome, cause: ChangeEvent['cause']): void {
    if (outcome.kind === 'unchanged') {
      this.#setStatus('ready');
      return;
    }
    this.#cache.write(this.#context, outcome.flags, outcome.etag);
    const keys = this.#install(outcome.flags, outcome.etag);
    this.#setStatus('ready');
    this.#announce(keys, cause);
  }

  /** Replaces the served evaluation; returns the keys that changed. */
  #install(flags: FlagSet, etag: string | undefined): string[] {
    const keys = changedKeys(this.#flags, flags);
    this.#flags = flags;
    this.#etag = etag;
    return keys;
  }

  #announce(keys: string[], cause: ChangeEvent['cause']): void {
    if (keys.length > 0 && this.#status !== 'closed') this.#events.emit('change', { keys, cause });
  }

  #fail(error: GantryWebError): void {
    this.#failures++;
    this.#setStatus(this.#flags && !FATAL.has(error.code) ? 'stale' : 'error', error);
  }

  #setStatus(status: ClientStatus, error?: GantryWebError): void {
    if (status === this.#status && error?.code === this.#error?.code) return;
    this.#status = status;
    this.#error = error;
    this.#events.emit('status', error ? { status, error } : { status });
  }

  /** The next poll: the poll interval, or a growing retry delay while nothing could be served yet. */
  #schedule(): void {
    clearTimeout(this.#timer);
    if (this.#status === 'closed') return;
    let delay = this.#pollMs > 0 ? this.#pollMs : undefined;
    if (!this.#flags && this.#failures > 0 && this.#error?.code !== 'UNAUTHORIZED') {
      delay = Math.min(delay ?? MAX_RETRY_MS, 500 * 2 ** Math.min(this.#failures, 6), MAX_RETRY_MS);
    }
    if (delay === undefined) return;
    if (this.#error?.retryAfterMs !== undefined) delay = Math.max(delay, this.#error.retryAfterMs);
    this.#timer = setTimeout(() => this.#poll(), delay);
    (this.#timer as { unref?: () => void }).unref?.();
  }

  #poll(): void {
    // Background tabs do not poll; the tab becoming visible again triggers a refresh.
    if (this.#pauseWhenHidden && isHidden()) return;
    // An open change stream says when to ask: polling rests meanwhile.
    if (this.#stream?.connected && this.#status === 'ready') {
      this.#schedule();
      return;
    }
    this.#refresh('refresh').catch(() => {});
  }

  /**
   * The stream said the environment changed: refresh after a random delay, so a change does not
   * bring every open tab to the server in the same millisecond (events within it count once), and
   * after the request in flight if there is one (it may predate the change).
   */
  #refetch(): void {
    if (this.#refetchTimer !== undefined) return;
    this.#refetchTimer = setTimeout(() => {
      this.#refetchTimer = undefined;
      if (this.#pauseWhenHidden && isHidden()) return; // becoming visible refreshes anyway
      const again = () => void this.#refresh('refresh').catch(() => {});
      const inflight = this.#inflight?.promise;
      if (inflight) inflight.then(again, again);
      else again();
    }, Math.random() * STREAM_JITTER_MS);
  }

  /** A refresh from a trigger (visibility, online), unless one ran within `minGapMs`. */
  #nudge(minGapMs: number): void {
    if (this.#status === 'closed' || Date.now() - this.#lastAttempt < minGapMs) return;
    this.#refresh('refresh').catch(() => {});
  }
}

/**
 * Creates a browser client for one context and starts evaluating. See {@link GantryWebClient}.
 *
 * @example
 * import { createGantryWebClient } from '@gantry/sdk-web';
 * const client = createGantryWebClient({
 *   url: 'https://gantry.example.com',
 *   token: import.meta.env.VITE_GANTRY_CLIENT_TOKEN, // sdk-client:production
 *   context: { targetingKey: user.id, plan: user.plan },
 * });
 * await client.ready();
 * client.on('change', () => render());
 */
export function createGantryWebClient(options: GantryWebClientOptions): GantryWebClient {
  return new GantryWebClient(options);
}
