import type { ShippedLogLine } from './types.js';

/** Longest message sent; longer lines are cut (the server takes at most 4,000 characters). */
export const MAX_MESSAGE = 4000;
/** Lines per `POST …/logs` call (the protocol's limit). */
export const MAX_BATCH = 1000;

export interface LogShipperOptions {
  send(lines: ShippedLogLine[]): Promise<void>;
  /** Lines kept while the server is away; beyond it the oldest are dropped and counted (default 10 000). */
  maxBuffered?: number;
  /** How often buffered lines are sent (default 1 000 ms); a full batch is sent at once. */
  flushMs?: number;
  onError?(error: unknown): void;
}

/**
 * Buffers process output and ships it in batches of at most 1,000 lines, one call at a time. A
 * failed call keeps its lines for the next attempt; a full buffer drops its oldest lines.
 */
export class LogShipper {
  private buffer: ShippedLogLine[] = [];
  private sending: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly maxBuffered: number;
  private readonly flushMs: number;
  /** Lines dropped because the buffer was full, since the agent started. */
  dropped = 0;
  /** Lines the server accepted, since the agent started. */
  shipped = 0;
  paused = true;

  constructor(private readonly options: LogShipperOptions) {
    this.maxBuffered = options.maxBuffered ?? 10_000;
    this.flushMs = options.flushMs ?? 1000;
  }

  get buffered(): number {
    return this.buffer.length;
  }

  push(line: ShippedLogLine): void {
    if (line.message.length > MAX_MESSAGE) line = { ...line, message: line.message.slice(0, MAX_MESSAGE) };
    this.buffer.push(line);
    this.trim();
    if (this.buffer.length >= MAX_BATCH) void this.flush();
  }

  /** Start sending (once the agent is registered). */
  resume(): void {
    this.paused = false;
    if (!this.timer) {
      this.timer = setInterval(() => void this.flush(), this.flushMs);
      this.timer.unref();
    }
  }

  /** Stop the timer; `flush()` may still be called to send what is left. */
  pause(): void {
    this.paused = true;
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Send buffered lines, batch by batch, until the buffer is empty or a call fails. */
  flush(): Promise<void> {
    if (this.paused) return Promise.resolve();
    this.sending ??= this.drain().finally(() => (this.sending = undefined));
    return this.sending;
  }

  private async drain(): Promise<void> {
    while (this.buffer.length > 0 && !this.paused) {
      const batch = this.buffer.splice(0, MAX_BATCH);
      try {
        await this.options.send(batch);
        this.shipped += batch.length;
      } catch (error) {
        // Back to the front, in order; what no longer fits is the oldest, and is dropped.
        this.buffer.unshift(...batch);
        this.trim();
        this.options.onError?.(error);
        return;
      }
    }
  }

  private trim(): void {
    const excess = this.buffer.length - this.maxBuffered;
    if (excess > 0) {
      this.buffer.splice(0, excess);
      this.dropped += excess;
    }
  }
}
