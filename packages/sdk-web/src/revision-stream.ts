import { SseParser } from './sse.js';

export interface RevisionStreamOptions {
  readonly baseUrl: string;
  readonly token: string;
  readonly fetch: typeof globalThis.fetch;
  /** Called for each `revision` event: the environment changed (or we just connected). */
  readonly onRevision: (revision: number) => void;
  /** No byte for this long (heartbeats come every 15 s) means the connection is dead. */
  readonly silenceMs?: number;
}

const MAX_BACKOFF_MS = 30_000;

function revisionOf(data: string): number | undefined {
  try {
    const revision = (JSON.parse(data) as { revision?: unknown } | null)?.revision;
    return typeof revision === 'number' && Number.isFinite(revision) ? revision : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Gantry's change stream for browsers, `GET /api/v1/sdk/changes`: Server-Sent Events that carry
 * only the environment's new revision, never rules. Read with `fetch` rather than `EventSource`,
 * which cannot send the `Authorization` header. Reconnects with backoff and `Last-Event-ID`; stops
 * for good when the server has no such route (404) or refuses the token (401/403), leaving
 * polling in charge.
 */
export class RevisionStream {
  readonly #options: RevisionStreamOptions;
  #abort: AbortController | undefined;
  #lastId: string | undefined;
  #failures = 0;
  #retryMs = 1000;
  #wake: (() => void) | undefined;
  /** The signal of the connection that is open now, if one is. */
  #live: AbortSignal | undefined;
  #unavailable = false;

  constructor(options: RevisionStreamOptions) {
    this.#options = options;
  }

  /** True while a stream is open and answering: polling can rest. */
  get connected(): boolean {
    return this.#live !== undefined && !this.#live.aborted;
  }

  /** Opens the stream (again), at once; no-op while open, or after the server said it has none. */
  start(): void {
    if (this.#unavailable) return;
    if (this.#abort) {
      this.#wake?.(); // cut a backoff wait short (back online, tab visible again)
      return;
    }
    const abort = new AbortController();
    this.#abort = abort;
    void this.#run(abort.signal);
  }

  /** Closes the stream (a background tab, or the client closing); `start()` opens it again. */
  stop(): void {
    this.#abort?.abort();
    this.#abort = undefined;
    this.#wake?.();
    this.#live = undefined;
  }

  async #run(signal: AbortSignal): Promise<void> {
    this.#failures = 0;
    while (!signal.aborted && !this.#unavailable) {
      try {
        await this.#connect(signal);
      } catch {
        // network error, dead connection, or aborted: decided below
      }
      if (signal.aborted || this.#unavailable) break;
      this.#failures++;
      const delay = Math.min(this.#retryMs * 2 ** Math.min(this.#failures - 1, 6), MAX_BACKOFF_MS);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, delay);
        (timer as { unref?: () => void }).unref?.();
        function done() {
          clearTimeout(timer);
          resolve();
        }
        this.#wake = done;
      });
      this.#wake = undefined;
    }
  }

  async #connect(signal: AbortSignal): Promise<void> {
    const silent = new AbortController();
    const onAbort = () => silent.abort();
    signal.addEventListener('abort', onAbort);
    let watchdog: ReturnType<typeof setTimeout> | undefined;
    const alive = () => {
      clearTimeout(watchdog);
      watchdog = setTimeout(() => silent.abort(), this.#options.silenceMs ?? 35_000);
      (watchdog as { unref?: () => void }).unref?.();
    };
    try {
      alive();
      const headers: Record<string, string> = { accept: 'text/event-stream', authorization: `Bearer ${this.#options.token}` };
      if (this.#lastId !== undefined) headers['last-event-id'] = this.#lastId;
      const res = await this.#options.fetch(`${this.#options.baseUrl}/api/v1/sdk/changes`, { headers, signal: silent.signal });
      if (res.status === 404 || res.status === 401 || res.status === 403) {
        this.#unavailable = true;
        await res.body?.cancel().catch(() => {});
        return;
      }
      if (!res.ok || !res.body) throw new Error(`change stream answered ${res.status}`);
      const reader = res.body.getReader();
      const decoder = new TextDecoder();
      const parser = new SseParser();
      this.#live = silent.signal;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        alive();
        for (const event of parser.push(decoder.decode(value, { stream: true }))) {
          this.#failures = 0;
          if (event.id !== undefined) this.#lastId = event.id;
          const revision = event.event === 'revision' ? revisionOf(event.data) : undefined;
          if (revision !== undefined) this.#options.onRevision(revision);
        }
        if (parser.retryMs !== undefined) this.#retryMs = Math.max(parser.retryMs, 250);
      }
    } finally {
      clearTimeout(watchdog);
      signal.removeEventListener('abort', onAbort);
      if (this.#live === silent.signal) this.#live = undefined;
    }
  }
}
