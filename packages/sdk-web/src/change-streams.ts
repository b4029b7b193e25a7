import type { EventStreamOffer } from './ofrep.js';

type EventSourceLike = Pick<EventSource, 'addEventListener' | 'close'>;
type EventSourceFactory = (url: string) => EventSourceLike;

function defaultFactory(): EventSourceFactory | undefined {
  const Impl = (globalThis as { EventSource?: typeof EventSource }).EventSource;
  return Impl ? (url) => new Impl(url) : undefined;
}

/**
 * Change notifications a server advertises in its bulk answer (OFREP `eventStreams`, type `sse`):
 * each `refetchEvaluation` message asks for a new bulk evaluation. Streams the server stops
 * advertising are closed. Without `EventSource` (Node, old browsers) this does nothing and
 * polling alone keeps values fresh.
 */
export class ChangeStreams {
  readonly #open = new Map<string, EventSourceLike>();
  readonly #onRefetch: () => void;
  readonly #factory: EventSourceFactory | undefined;

  constructor(onRefetch: () => void, factory: EventSourceFactory | undefined = defaultFactory()) {
    this.#onRefetch = onRefetch;
    this.#factory = factory;
  }

  update(offers: readonly EventStreamOffer[]): void {
    const wanted = new Set(offers.filter((o) => o.type === 'sse').map((o) => o.url));
    for (const [url, source] of this.#open) {
      if (!wanted.has(url)) {
        source.close();
        this.#open.delete(url);
      }
    }
    if (!this.#factory) return;
    for (const url of wanted) {
      if (this.#open.has(url)) continue;
      try {
        const source = this.#factory(url);
        source.addEventListener('message', (event) => {
          if (this.#isRefetch((event as MessageEvent).data)) this.#onRefetch();
        });
        this.#open.set(url, source);
      } catch {
        // a stream we cannot open leaves polling in charge
      }
    }
  }

  close(): void {
    for (const source of this.#open.values()) source.close();
    this.#open.clear();
  }

  #isRefetch(data: unknown): boolean {
    try {
      const message: unknown = typeof data === 'string' ? JSON.parse(data) : data;
      return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === 'refetchEvaluation';
    } catch {
      return false;
    }
  }
}
