import { Backoff } from './backoff.js';
import { GantryError } from './errors.js';
import { authHeaders, deadline, errorFromResponse, networkError, oneShotHeaders, retryAfterMs } from './http.js';
import type { ResolvedOptions } from './options.js';
import type { OfferOutcome } from './snapshot-state.js';
import { SseParser } from './sse.js';

/** How the synchroniser talks back to the client. */
export interface SyncHandlers {
  /** A full snapshot arrived, as JSON text. */
  snapshot(text: string, via: 'stream' | 'poll'): OfferOutcome;
  /** A stream `patch` event arrived, as JSON text. */
  patch(text: string): OfferOutcome;
  /** The server answered (stream opened, poll answered 200 or 304). */
  reachable(via: 'stream' | 'poll'): void;
  /**
   * The server could not be reached, answered with an error, or the stream broke. `pollsAnswer`
   * is true when only the stream failed and polls still get answers (a proxy that cuts streams).
   */
  unreachable(error: GantryError, via: 'stream' | 'poll', pollsAnswer: boolean): void;
  /** 401 or 403: nothing more will be tried. */
  fatal(error: GantryError): void;
  /** The served revision, if it came from the server. */
  revision(): number | undefined;
  /** The served environment, for `If-None-Match`. */
  environment(): string | undefined;
}

type StreamEnd =
  | { kind: 'closed' }
  | { kind: 'fatal' }
  | { kind: 'resync' }
  | { kind: 'failed'; error: GantryError; delayMs?: number };

/** Slower retries for answers that a quick retry will not change (404, 400, 429 without a hint…). */
const CLIENT_ERROR_DELAY_MS = 30_000;

/**
 * Keeps the served snapshot in step with the server: the SSE stream (reconnecting with jittered
 * backoff, `Last-Event-ID`, a watchdog on heartbeats), and polling with `If-None-Match` while the
 * stream is down or when streaming is off. Stops for good on 401/403 and on `close()`.
 */
export class Synchroniser {
  readonly #closing = new AbortController();
  readonly #backoff: Backoff;
  #stopped = false;
  #stream: AbortController | undefined;
  #streamUp = false;
  #sleepTimer: NodeJS.Timeout | undefined;
  #wake: (() => void) | undefined;
  #pollTimer: NodeJS.Timeout | undefined;
  #polling = false;
  #pollInFlight = false;
  #pollHealthy = false;
  #connections = 0;
  #loop: Promise<void> | undefined;
  #pollRun: Promise<void> | undefined;

  constructor(private readonly options: ResolvedOptions, private readonly handlers: SyncHandlers) {
    this.#backoff = new Backoff(options.initialDelayMs, options.maxDelayMs);
  }

  /** How many times the stream was opened. */
  get connections(): number {
    return this.#connections;
  }

  start(): void {
    if (this.options.streaming) this.#loop = this.#streamLoop();
    else this.#startPolling();
  }

  /**
   * Stops everything: aborts the stream and any request, clears every timer. Resolves once the
   * stream and any poll under way have wound down.
   */
  async stop(): Promise<void> {
    if (!this.#stopped) {
      this.#stopped = true;
      this.#closing.abort(new GantryError('closed', 'the client was closed'));
      this.#stream?.abort('closed');
      clearTimeout(this.#sleepTimer);
      clearTimeout(this.#pollTimer);
      this.#wake?.();
    }
    await Promise.all([this.#loop, this.#pollRun]);
  }

  #fatal(error: GantryError): void {
    void this.stop();
    this.handlers.fatal(error);
  }

  async #streamLoop(): Promise<void> {
    while (!this.#stopped) {
      const end = await this.#streamOnce();
      this.#streamUp = false;
      if (this.#stopped || end.kind === 'closed' || end.kind === 'fatal') return;
      if (end.kind === 'failed') {
        this.handlers.unreachable(end.error, 'stream', this.#pollHealthy);
        this.#startPolling();
      }
      await this.#sleep(end.kind === 'failed' && end.delayMs !== undefined ? end.delayMs : this.#backoff.next());
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.#wake = resolve;
      this.#sleepTimer = setTimeout(resolve, ms);
    });
  }

  async #streamOnce(): Promise<StreamEnd> {
    const controller = new AbortController();
    this.#stream = controller;
    const silenceMs = Math.round(this.options.heartbeatIntervalMs * 2.5);
    const watchdog = setTimeout(() => controller.abort('dead'), silenceMs);
    const headers: Record<string, string> = { ...authHeaders(this.options), accept: 'text/event-stream', 'cache-control': 'no-cache' };
    const revision = this.handlers.revision();
    if (revision !== undefined) headers['last-event-id'] = String(revision);
    try {
      let response: Response;
      try {
        response = await this.options.fetch(`${this.options.baseUrl}/api/v1/sdk/stream`, { headers, signal: controller.signal });
      } catch (error) {
        return this.#ended(controller, networkError('connecting to the stream', error), silenceMs);
      }
      if (!response.ok || !(response.headers.get('content-type') ?? '').includes('text/event-stream')) {
        const error = response.ok
          ? new GantryError('http', `the stream answered ${response.status} with ${response.headers.get('content-type') ?? 'no content type'}, not text/event-stream`, response.status)
          : await errorFromResponse(response, 'the stream');
        await response.body?.cancel().catch(() => {});
        if (error.code === 'unauthorized') {
          this.#fatal(error);
          return { kind: 'fatal' };
        }
        const retryable = response.status >= 500 || response.status === 408;
        return { kind: 'failed', error, delayMs: retryAfterMs(response) ?? (retryable ? undefined : CLIENT_ERROR_DELAY_MS) };
      }
      this.#connections += 1;
      this.#streamUp = true;
      this.#stopPolling();
      this.handlers.reachable('stream');
      return await this.#read(response, controller, watchdog, silenceMs);
    } finally {
      clearTimeout(watchdog);
      if (this.#stream === controller) this.#stream = undefined;
    }
  }

  #ended(controller: AbortController, error: GantryError, silenceMs: number): StreamEnd {
    const reason: unknown = controller.signal.aborted ? controller.signal.reason : undefined;
    if (reason === 'closed' || this.#stopped) return { kind: 'closed' };
    if (reason === 'resync') return { kind: 'resync' };
    if (reason === 'dead') return { kind: 'failed', error: new GantryError('network', `the stream was silent for ${silenceMs} ms (no heartbeat); reconnecting`) };
    return { kind: 'failed', error };
  }

  async #read(response: Response, controller: AbortController, watchdog: NodeJS.Timeout, silenceMs: number): Promise<StreamEnd> {
    const body = response.body;
    if (!body) return { kind: 'failed', error: new GantryError('network', 'the stream has no body') };
    const reader = body.getReader();
    // Cancelling the reader too ends a read that a custom fetch's body would not end on abort.
    const cancel = () => void reader.cancel().catch(() => {});
    controller.signal.addEventListener('abort', cancel, { once: true });
    const decoder = new TextDecoder();
    const parser = new SseParser({
      event: ({ event, data }) => {
        if (controller.signal.aborted) return;
        if (event === 'snapshot') {
          const outcome = this.handlers.snapshot(data, 'stream');
          if (outcome.kind === 'applied' || outcome.kind === 'degraded') this.#backoff.reset();
        } else if (event === 'patch') {
          const outcome = this.handlers.patch(data);
          if (outcome.kind === 'applied' || outcome.kind === 'degraded') this.#backoff.reset();
          // A patch that does not fit what is served: reconnect, and the server sends a snapshot.
          else controller.abort('resync');
        }
      },
      comment: (text) => {
        if (text === 'heartbeat') this.#backoff.reset();
      },
    });
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        watchdog.refresh();
        parser.feed(decoder.decode(value, { stream: true }));
        if (controller.signal.aborted) break;
      }
    } catch (error) {
      return this.#ended(controller, networkError('the stream', error), silenceMs);
    } finally {
      controller.signal.removeEventListener('abort', cancel);
      cancel();
    }
    return this.#ended(controller, new GantryError('network', 'the server closed the stream'), silenceMs);
  }

  #startPolling(): void {
    if (this.#polling || this.#stopped) return;
    this.#polling = true;
    void this.#poll();
  }

  #stopPolling(): void {
    this.#polling = false;
    this.#pollHealthy = false;
    clearTimeout(this.#pollTimer);
    this.#pollTimer = undefined;
  }

  async #poll(): Promise<void> {
    if (this.#pollInFlight) return;
    this.#pollInFlight = true;
    try {
      this.#pollRun = this.#pollOnce();
      await this.#pollRun;
    } finally {
      this.#pollInFlight = false;
    }
    if (this.#polling && !this.#stopped) {
      // A little jitter keeps a fleet from polling in step.
      const delay = Math.round(this.options.pollIntervalMs * (0.9 + Math.random() * 0.2));
      this.#pollTimer = setTimeout(() => void this.#poll(), delay);
    }
  }

  async #pollOnce(): Promise<void> {
    const headers: Record<string, string> = { ...oneShotHeaders(this.options), accept: 'application/json' };
    const revision = this.handlers.revision();
    const environment = this.handlers.environment();
    if (revision !== undefined && environment !== undefined) headers['if-none-match'] = `"${environment}-${revision}"`;
    const { signal, done } = deadline(this.#closing.signal, this.options.requestTimeoutMs);
    try {
      const response = await this.options.fetch(`${this.options.baseUrl}/api/v1/sdk/snapshot`, { headers, signal });
      if (!response.ok && response.status !== 304) {
        const error = await errorFromResponse(response, 'the snapshot poll');
        if (error.code === 'unauthorized') this.#fatal(error);
        else this.#pollFailed(error);
        return;
      }
      const text = response.status === 304 ? undefined : await response.text();
      if (response.status === 304) await response.body?.cancel().catch(() => {});
      // The stream came back while this poll was under way: it is the fresher source.
      if (this.#stopped || this.#streamUp) return;
      this.#pollHealthy = true;
      this.handlers.reachable('poll');
      if (text !== undefined) this.handlers.snapshot(text, 'poll');
    } catch (error) {
      this.#pollFailed(networkError('the snapshot poll', error));
    } finally {
      done();
    }
  }

  #pollFailed(error: GantryError): void {
    this.#pollHealthy = false;
    if (!this.#stopped && !this.#streamUp) this.handlers.unreachable(error, 'poll', false);
  }
}
