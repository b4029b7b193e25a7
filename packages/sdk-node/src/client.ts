import type { EvaluationContext, JsonStructure, VariationValue } from '@gantry/core';
import { readBootstrapFile, SnapshotPersister } from './bootstrap.js';
import { Emitter } from './emitter.js';
import { describeError, GantryError } from './errors.js';
import { emptyReportingStats, EventReporter } from './events/reporter.js';
import { resolveOptions } from './options.js';
import type { GantryClientOptions, ResolvedOptions } from './options.js';
import { describeProblems, SnapshotState } from './snapshot-state.js';
import type { OfferOutcome, SnapshotSource } from './snapshot-state.js';
import { Synchroniser } from './sync.js';
import type { ChangeEvent, ClientStats, ClientStatus, EvaluationDetails, GantryClientEvents, ReadyInfo } from './types.js';

function notReady<T>(defaultValue: T): EvaluationDetails<T> {
  return {
    value: defaultValue, variant: undefined, variationIndex: undefined, reason: 'ERROR', errorCode: 'PROVIDER_NOT_READY',
    errorMessage: 'the Gantry client has no snapshot yet: await client.ready() before evaluating, or give it a bootstrap',
    metadata: undefined,
  };
}

/**
 * A Gantry client for servers: evaluates features locally from the environment's snapshot, kept
 * up to date over Server-Sent Events (polling while the stream is down), and reports evaluation
 * counts and events in batches. Evaluations never throw and never touch the network. Create it
 * once per process with {@link createGantryClient}.
 *
 * @example
 * const client = createGantryClient({ url: 'https://gantry.example.com', token: process.env.GANTRY_SDK_TOKEN });
 * await client.ready();
 * if (client.boolean('new-checkout', { targetingKey: user.id, plan: user.plan }, false)) renderNewCheckout();
 */
export class GantryClient {
  readonly #options: ResolvedOptions;
  readonly #state = new SnapshotState();
  readonly #emitter: Emitter<GantryClientEvents>;
  readonly #ready: Promise<ReadyInfo>;
  #settleReady: ((info: ReadyInfo | GantryError) => void) | undefined;
  #readyTimer: NodeJS.Timeout | undefined;
  #status: ClientStatus = 'initializing';
  #sync: Synchroniser | undefined;
  #reporter: EventReporter | undefined;
  #persister: SnapshotPersister | undefined;
  #closing: Promise<void> | undefined;
  /** Channels whose failure was reported: a failure is reported once, until that channel works again. */
  readonly #failing = new Set<'stream' | 'poll'>();
  readonly #counters = { snapshotsApplied: 0, patchesApplied: 0, snapshotsRejected: 0 };

  /** Use {@link createGantryClient}. Throws a `TypeError` only for options that cannot work. */
  constructor(options: GantryClientOptions) {
    this.#options = resolveOptions(options);
    const logger = this.#options.logger;
    this.#emitter = new Emitter((error) => logger.error(`a listener threw: ${describeError(error)}`));
    this.#ready = new Promise<ReadyInfo>((resolve, reject) => {
      this.#settleReady = (outcome) => (outcome instanceof GantryError ? reject(outcome) : resolve(outcome));
    });
    // Nobody may ever call ready(): its rejection must not count as unhandled.
    this.#ready.catch(() => {});
    this.#loadBootstrap();
    if (this.#options.offline) {
      if (this.#state.compiled) this.#setStatus('ready');
      this.#settle(this.#state.compiled ? this.#readyInfo() : new GantryError('bootstrap', 'offline with no bootstrap snapshot: every evaluation serves its default'));
      return;
    }
    const events = this.#options.events;
    if (events) {
      this.#reporter = new EventReporter(this.#options, events, (error) => this.#reportError(error));
      this.#reporter.start();
    }
    this.#readyTimer = setTimeout(() => this.#onTimeout(), this.#options.timeoutMs);
    this.#readyTimer.unref();
    this.#sync = new Synchroniser(this.#options, {
      snapshot: (text) => this.#offer(text, false),
      patch: (text) => this.#offer(text, true),
      reachable: (via) => this.#onReachable(via),
      unreachable: (error, via, pollsAnswer) => this.#onUnreachable(error, via, pollsAnswer),
      fatal: (error) => this.#onFatal(error),
      revision: () => this.#state.serverRevision,
      environment: () => this.#state.environment,
    });
    this.#sync.start();
  }

  /**
   * Resolves once the client can evaluate from the server's snapshot — or from the bootstrap, as
   * soon as the server proves unreachable or `timeoutMs` passes. Rejects within `timeoutMs` when
   * there is nothing to evaluate from (code `timeout`), at once when the token is refused
   * (`unauthorized`, even with a bootstrap), or when the client is closed first (`closed`).
   * Either way the client keeps trying in the background and emits `ready` when it gets there.
   *
   * @example
   * try {
   *   const { source } = await client.ready();
   *   if (source === 'bootstrap') log.warn('Gantry unreachable: starting from the bootstrap file');
   * } catch (error) {
   *   log.error('Gantry not ready; flags serve their defaults', error);
   * }
   */
  ready(): Promise<ReadyInfo> {
    return this.#ready;
  }

  /** The served snapshot's revision, `undefined` before any. @example client.revision; // 42 */
  get revision(): number | undefined {
    return this.#state.compiled?.revision;
  }

  /** The served snapshot's environment. @example client.environment; // 'production' */
  get environment(): string | undefined {
    return this.#state.compiled?.environment;
  }

  /** Where the client stands; see {@link ClientStatus}. @example if (client.status !== 'ready') log.warn('flags may be stale'); */
  get status(): ClientStatus {
    return this.#status;
  }

  /**
   * Listens to `ready`, `change` (features that may now serve differently), `error` (a
   * {@link GantryError}) or `status`. Returns a function that removes the listener. Errors with no
   * listener go to the logger. A listener that throws is logged and ignored.
   *
   * @example
   * const stop = client.on('change', ({ keys }) => cache.invalidate(keys));
   * stop();
   */
  on<E extends keyof GantryClientEvents>(event: E, listener: (payload: GantryClientEvents[E]) => void): () => void {
    return this.#emitter.on(event, listener);
  }

  /** Removes a listener added with `on`. @example client.off('change', onChange); */
  off<E extends keyof GantryClientEvents>(event: E, listener: (payload: GantryClientEvents[E]) => void): void {
    this.#emitter.off(event, listener);
  }

  /** The value of a boolean feature, or `defaultValue`. @example client.boolean('new-checkout', { targetingKey: 'user-123' }, false); */
  boolean(key: string, context: EvaluationContext, defaultValue: boolean): boolean {
    return this.booleanDetails(key, context, defaultValue).value;
  }

  /** The value of a string feature, or `defaultValue`. @example client.string('button-color', { targetingKey: 'u1' }, 'blue'); */
  string(key: string, context: EvaluationContext, defaultValue: string): string {
    return this.stringDetails(key, context, defaultValue).value;
  }

  /** The value of a number feature, or `defaultValue`. @example client.number('page-size', { targetingKey: 'u1' }, 20); */
  number(key: string, context: EvaluationContext, defaultValue: number): number {
    return this.numberDetails(key, context, defaultValue).value;
  }

  /** The value of a json feature (an object or array, deep-frozen), or `defaultValue`. @example client.json('limits', { targetingKey: 'u1' }, { seats: 1 }); */
  json<T extends JsonStructure>(key: string, context: EvaluationContext, defaultValue: T): T {
    return this.jsonDetails(key, context, defaultValue).value;
  }

  /** Evaluates a boolean feature with details. @example client.booleanDetails('new-checkout', ctx, false).reason; // 'SPLIT' */
  booleanDetails(key: string, context: EvaluationContext, defaultValue: boolean): EvaluationDetails<boolean> {
    const engine = this.#state.compiled;
    return engine ? this.#count(key, engine.evaluateBoolean(key, context, defaultValue)) : notReady(defaultValue);
  }

  /** Evaluates a string feature with details. @example client.stringDetails('button-color', ctx, 'blue').variant; // 'green' */
  stringDetails(key: string, context: EvaluationContext, defaultValue: string): EvaluationDetails<string> {
    const engine = this.#state.compiled;
    return engine ? this.#count(key, engine.evaluateString(key, context, defaultValue)) : notReady(defaultValue);
  }

  /** Evaluates a number feature with details. @example client.numberDetails('page-size', ctx, 20).value; // 25 */
  numberDetails(key: string, context: EvaluationContext, defaultValue: number): EvaluationDetails<number> {
    const engine = this.#state.compiled;
    return engine ? this.#count(key, engine.evaluateNumber(key, context, defaultValue)) : notReady(defaultValue);
  }

  /** Evaluates a json feature with details. @example client.jsonDetails('limits', ctx, { seats: 1 }).errorCode; // undefined */
  jsonDetails<T extends JsonStructure>(key: string, context: EvaluationContext, defaultValue: T): EvaluationDetails<T> {
    const engine = this.#state.compiled;
    return engine ? this.#count(key, engine.evaluateObject(key, context, defaultValue)) : notReady(defaultValue);
  }

  /**
   * Evaluates a feature of any type. With a `defaultValue` of another type than the feature's,
   * returns `TYPE_MISMATCH`; without one (or `null`) any type is served.
   *
   * @example
   * client.evaluate('page-size', { targetingKey: 'u1' });       // { value: 25, variant: 'medium', reason: 'DEFAULT', … }
   * client.evaluate('page-size', { targetingKey: 'u1' }, 'x');  // { value: 'x', reason: 'ERROR', errorCode: 'TYPE_MISMATCH', … }
   */
  evaluate(key: string, context: EvaluationContext, defaultValue?: VariationValue | null): EvaluationDetails {
    const engine = this.#state.compiled;
    const fallback = defaultValue === null ? undefined : defaultValue;
    return engine ? this.#count(key, engine.evaluate(key, context, fallback)) : notReady(fallback);
  }

  /**
   * Evaluates every feature for one context, keyed by feature key (broken ones included with
   * their `PARSE_ERROR`); `{}` before any snapshot. Not counted in evaluation reports.
   *
   * @example
   * const flags = client.all({ targetingKey: 'user-123' });
   * res.json(Object.fromEntries(Object.entries(flags).map(([key, d]) => [key, d.value])));
   */
  all(context: EvaluationContext): Record<string, EvaluationDetails> {
    return this.#state.compiled?.evaluateAll(context) ?? {};
  }

  /**
   * Records that something happened to a context — a purchase, an error, a latency — for guarded
   * rollouts. Sent in batches; never throws. `event` is 1 to 128 characters; `value` a finite
   * number; the context's `targetingKey` (up to 256 characters) is reported with it.
   *
   * @example
   * client.track('checkout-completed', { targetingKey: user.id }, order.total);
   */
  track(event: string, context?: EvaluationContext, value?: number): void {
    try {
      if (!this.#reporter || this.#closing) return;
      if (typeof event !== 'string' || event.length === 0 || event.length > 128) {
        this.#options.logger.warn(`track: the event name must be 1 to 128 characters; ignored ${JSON.stringify(String(event)).slice(0, 60)}`);
        return;
      }
      const key: unknown = typeof context === 'object' && context !== null ? context.targetingKey : undefined;
      const contextKey = typeof key === 'string' && key.length <= 256 ? key : undefined;
      const numeric = typeof value === 'number' && Number.isFinite(value);
      if (value !== undefined && !numeric) this.#options.logger.warn(`track: value of ${event} must be a finite number; sent without it`);
      this.#reporter.track({ key: event, ...(contextKey === undefined ? {} : { contextKey }), ...(numeric ? { value } : {}), at: new Date().toISOString() });
    } catch (error) {
      this.#options.logger.warn(`track failed: ${describeError(error)}`);
    }
  }

  /** Sends held evaluation counts and events now. Never rejects. @example await client.flush(); */
  flush(): Promise<void> {
    return this.#reporter?.flush() ?? Promise.resolve();
  }

  /** Counters of reporting and synchronisation. @example client.stats().evaluationsSent; */
  stats(): ClientStats {
    return { ...(this.#reporter?.stats() ?? emptyReportingStats()), ...this.#counters, streamConnections: this.#sync?.connections ?? 0 };
  }

  /**
   * Stops the stream and polling, clears every timer, sends what is left to report and waits
   * for the bootstrap file to be written. Afterwards nothing of the client keeps the process
   * alive; evaluations keep answering from the last snapshot. Safe to call twice.
   *
   * @example
   * process.on('SIGTERM', async () => { await client.close(); server.close(); });
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      const stopped = this.#sync?.stop();
      clearTimeout(this.#readyTimer);
      this.#settle(new GantryError('closed', 'the client was closed before it was ready'));
      this.#setStatus('closed');
      await stopped;
      await this.#reporter?.close();
      await this.#persister?.idle();
    })();
    return this.#closing;
  }

  #count<R extends EvaluationDetails<unknown>>(key: string, result: R): R {
    if (result.variant !== undefined && this.#reporter && !this.#closing) this.#reporter.countEvaluation(result, key, result.variant);
    return result;
  }

  #readyInfo(): ReadyInfo {
    return { source: this.#state.source ?? 'bootstrap', revision: this.#state.compiled?.revision ?? 0, environment: this.#state.environment ?? '' };
  }

  #settle(outcome: ReadyInfo | GantryError): void {
    const settle = this.#settleReady;
    if (!settle) return;
    this.#settleReady = undefined;
    clearTimeout(this.#readyTimer);
    settle(outcome);
    if (outcome instanceof GantryError) this.#reportError(outcome);
    else this.#emitter.emit('ready', outcome);
  }

  #setStatus(status: ClientStatus, error?: GantryError): void {
    const previous = this.#status;
    if (previous === status || previous === 'closed') return;
    this.#status = status;
    this.#emitter.emit('status', { status, previous, ...(error ? { error } : {}) });
  }

  #reportError(error: GantryError): void {
    if (this.#emitter.has('error')) this.#emitter.emit('error', error);
    else this.#options.logger.warn(`${error.code}: ${error.message}`);
  }

  #loadBootstrap(): void {
    const bootstrap = this.#options.bootstrap;
    if (!bootstrap) return;
    if ('file' in bootstrap && bootstrap.persist) this.#persister = new SnapshotPersister(bootstrap.file, (error) => this.#reportError(error));
    const read = 'file' in bootstrap ? readBootstrapFile(bootstrap.file) : { value: bootstrap.snapshot };
    // Reported a moment later, so that listeners added right after creation hear about it.
    if ('error' in read) queueMicrotask(() => this.#reportError(read.error));
    else this.#handle(this.#state.offer(read.value, 'bootstrap'), 'bootstrap', false);
  }

  /** A snapshot or patch from the server, as JSON text. */
  #offer(text: string, patch: boolean): OfferOutcome {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      return this.#handle({ kind: 'rejected', problems: [{ path: '', message: `not valid JSON: ${describeError(error)}` }] }, 'server', patch);
    }
    return this.#handle(patch ? this.#state.applyPatch(value) : this.#state.offer(value, 'server'), 'server', patch);
  }

  #handle(outcome: OfferOutcome, source: SnapshotSource, patch: boolean): OfferOutcome {
    const what = patch ? 'a patch' : source === 'bootstrap' ? 'the bootstrap snapshot' : 'a snapshot';
    if (outcome.kind === 'mismatch') return outcome;
    if (outcome.kind === 'rejected') {
      this.#counters.snapshotsRejected += 1;
      this.#reportError(new GantryError('snapshot', `${what} was rejected and the previous snapshot kept: ${describeProblems(outcome.problems)}`));
      return outcome;
    }
    if (patch) this.#counters.patchesApplied += 1;
    else this.#counters.snapshotsApplied += 1;
    if (outcome.kind === 'degraded') {
      const error = new GantryError('snapshot', `${what} has problems; the features concerned answer PARSE_ERROR: ${describeProblems(outcome.problems)}`);
      if (source === 'bootstrap') queueMicrotask(() => this.#reportError(error));
      else this.#reportError(error);
    }
    const valid = this.#state.validSnapshot;
    if (source === 'server' && valid && this.#persister) this.#persister.save(valid);
    if (source === 'server') {
      this.#setStatus('ready');
      this.#settle(this.#readyInfo());
    }
    const first = this.#counters.snapshotsApplied + this.#counters.patchesApplied === 1;
    if (!first && outcome.changed.length > 0) {
      const change: ChangeEvent = { keys: outcome.changed, revision: this.revision ?? 0, environment: this.environment ?? '' };
      this.#emitter.emit('change', change);
    }
    return outcome;
  }

  #onReachable(via: 'stream' | 'poll'): void {
    this.#failing.delete(via);
    if (this.#state.source === 'server') this.#setStatus('ready');
  }

  #onUnreachable(error: GantryError, via: 'stream' | 'poll', pollsAnswer: boolean): void {
    // Polls are the stream's fallback: their failure adds nothing to a stream failure already reported.
    const known = this.#failing.has(via) || (via === 'poll' && this.#failing.has('stream'));
    this.#failing.add(via);
    if (known) this.#options.logger.debug(`${error.code}: ${error.message}`);
    else this.#reportError(error);
    // Polls still answer: the snapshot is current, only the stream is cut.
    if (pollsAnswer || !this.#state.compiled) return;
    this.#setStatus('stale', error);
    // With a bootstrap and the server away, there is no point waiting for the timeout.
    this.#settle(this.#readyInfo());
  }

  #onFatal(error: GantryError): void {
    this.#reporter?.disable();
    this.#setStatus('failed', error);
    if (this.#settleReady) this.#settle(error);
    else this.#reportError(error);
  }

  #onTimeout(): void {
    if (!this.#settleReady) return;
    if (this.#state.compiled) {
      this.#setStatus('stale');
      this.#settle(this.#readyInfo());
    } else {
      this.#settle(new GantryError('timeout', `no snapshot within ${this.#options.timeoutMs} ms; evaluations serve their defaults until one arrives`));
    }
  }
}

/**
 * Creates a client and starts connecting. Create one per process and share it; `await
 * client.ready()` before serving traffic, and `await client.close()` on shutdown.
 *
 * @example
 * import { createGantryClient } from '@gantry/sdk-node';
 * const client = createGantryClient({ url: 'https://gantry.example.com', token: 'gnt_…', timeoutMs: 3000 });
 * await client.ready();
 * const pageSize = client.number('page-size', { targetingKey: 'user-123' }, 20);
 */
export function createGantryClient(options: GantryClientOptions): GantryClient {
  return new GantryClient(options);
}
