import { GantryError } from '../errors.js';
import { deadline, errorFromResponse, networkError, oneShotHeaders } from '../http.js';
import type { ResolvedOptions } from '../options.js';

/**
 * What the client has reported, is holding, and has given up on. Counts of evaluations are
 * evaluations (a row "feature x served variant on 40 times" counts 40); events are `track()` calls.
 *
 * @example
 * const { evaluationsSent, eventsDropped, batchesFailed } = client.stats();
 */
export interface ReportingStats {
  /** Evaluations reported and accepted (202) by the server. */
  evaluationsSent: number;
  /** `track()` events reported and accepted by the server. */
  eventsSent: number;
  /** Evaluations held, waiting for the next flush. */
  evaluationsPending: number;
  /** Events held, waiting for the next flush. */
  eventsPending: number;
  /** Evaluations given up on: the buffer was full, the server refused their batch (400), or they grew older than the server accepts. */
  evaluationsDropped: number;
  /** Events given up on, for the same reasons. */
  eventsDropped: number;
  /** Requests the server accepted with 202. */
  batchesSent: number;
  /** Requests that failed (network, 5xx) and whose content was kept for the next flush. */
  batchesFailed: number;
  /** Requests the server refused (4xx); their content was dropped. */
  batchesRejected: number;
}

/** Stats of a client that reports nothing. */
export function emptyReportingStats(): ReportingStats {
  return {
    evaluationsSent: 0, eventsSent: 0, evaluationsPending: 0, eventsPending: 0, evaluationsDropped: 0, eventsDropped: 0,
    batchesSent: 0, batchesFailed: 0, batchesRejected: 0,
  };
}

interface TrackEvent {
  key: string;
  contextKey?: string;
  value?: number;
  at: string;
}

interface CountRow {
  feature: string;
  variant: string;
  count: number;
  minute: string;
}

const MINUTE = 60_000;
/** The server refuses times more than a week old; stay clear of the edge. */
const MAX_AGE_MS = 7 * 24 * 3_600_000 - 3_600_000;

type Counts = Map<number, Map<string, Map<string, number>>>;

/**
 * Aggregates evaluation counts per (feature, variant, minute) and buffers `track()` events, both
 * bounded in memory, and sends them in batches to `POST /api/v1/sdk/events` on an interval, when
 * a batch is full, and on close. Failed sends are retried at the next flush; nothing is thrown.
 */
export class EventReporter {
  #counts: Counts = new Map();
  #countEntries = 0;
  #failing = false;
  /**
   * Counts of the minute under way, keyed by the result object itself: core precomputes its
   * successful results and shares them between calls (docs/evaluation.md, Results), so one
   * identity lookup counts an evaluation, with no clock read and no string hashing.
   */
  #live = new Map<object, { feature: string; variant: string; count: number }>();
  #liveMinute = Math.floor(Date.now() / MINUTE);
  #minuteTimer: NodeJS.Timeout | undefined;
  #events: TrackEvent[] = [];
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> | undefined;
  #disabled = false;
  readonly #stats = emptyReportingStats();

  constructor(
    private readonly options: ResolvedOptions,
    private readonly settings: { flushIntervalMs: number; maxBatch: number; maxBuffered: number },
    private readonly onError: (error: GantryError) => void,
  ) {}

  start(): void {
    this.#timer = setInterval(() => void this.flush(), this.settings.flushIntervalMs);
    this.#timer.unref();
    this.#scheduleMinute();
  }

  stats(): ReportingStats {
    let live = 0;
    for (const entry of this.#live.values()) live += entry.count;
    return { ...this.#stats, evaluationsPending: this.#stats.evaluationsPending + live, eventsPending: this.#events.length };
  }

  /**
   * Counts one evaluation that served `variant`; `result` is the (shared) result object core
   * returned. The hot path is one map lookup.
   */
  countEvaluation(result: object, feature: string, variant: string): void {
    const entry = this.#live.get(result);
    if (entry !== undefined) {
      entry.count += 1;
      return;
    }
    if (this.#disabled) return;
    if (this.#live.size >= this.settings.maxBuffered) this.#foldLive();
    this.#live.set(result, { feature, variant, count: 1 });
  }

  track(event: TrackEvent): void {
    if (this.#disabled) return;
    if (this.#events.length >= this.settings.maxBuffered) {
      this.#events.shift();
      this.#stats.eventsDropped += 1;
    }
    this.#events.push(event);
    if (this.#events.length >= this.settings.maxBatch) void this.flush();
  }

  /** Sends everything held now; resolves when done (never rejects). One flush runs at a time. */
  flush(): Promise<void> {
    if (this.#flushing) return this.#flushing.then(() => this.flush());
    if (this.#disabled || (this.#countEntries === 0 && this.#live.size === 0 && this.#events.length === 0)) return Promise.resolve();
    this.#flushing = this.#flushOnce().finally(() => {
      this.#flushing = undefined;
    });
    return this.#flushing;
  }

  /** Stops for good without sending (the token was refused): what is held counts as dropped. */
  disable(): void {
    clearInterval(this.#timer);
    clearTimeout(this.#minuteTimer);
    this.#timer = undefined;
    this.#disabled = true;
    this.#foldLive();
    this.#stats.evaluationsDropped += this.#stats.evaluationsPending;
    this.#stats.eventsDropped += this.#events.length;
    this.#counts = new Map();
    this.#countEntries = 0;
    this.#stats.evaluationsPending = 0;
    this.#events = [];
  }

  /** Stops the timer and sends what is left. */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    clearTimeout(this.#minuteTimer);
    this.#timer = undefined;
    await this.flush();
  }

  #add(minute: number, feature: string, variant: string, count: number): void {
    const before = this.#counts.get(minute)?.get(feature)?.get(variant);
    if (before === undefined) {
      if (this.#countEntries >= this.settings.maxBuffered) this.#dropOldestCount();
      this.#countEntries += 1;
    }
    let bucket = this.#counts.get(minute);
    if (!bucket) this.#counts.set(minute, (bucket = new Map()));
    let variants = bucket.get(feature);
    if (!variants) bucket.set(feature, (variants = new Map()));
    variants.set(variant, (before ?? 0) + count);
    this.#stats.evaluationsPending += count;
  }

  /** Moves the live counts into the per-minute store, under the minute they were counted in. */
  #foldLive(): void {
    const live = this.#live;
    if (live.size === 0) return;
    this.#live = new Map();
    for (const { feature, variant, count } of live.values()) this.#add(this.#liveMinute, feature, variant, count);
  }

  /** At each minute boundary, the live counts are filed under the minute that ended. */
  #scheduleMinute(): void {
    const now = Date.now();
    this.#minuteTimer = setTimeout(() => {
      this.#foldLive();
      this.#liveMinute = Math.floor(Date.now() / MINUTE);
      this.#scheduleMinute();
    }, MINUTE - (now % MINUTE) + 5);
    this.#minuteTimer.unref();
  }

  #dropOldestCount(): void {
    const oldest = Math.min(...this.#counts.keys());
    const bucket = this.#counts.get(oldest);
    const [feature, variants] = bucket?.entries().next().value ?? [];
    if (!bucket || feature === undefined || !variants) return;
    const [variant, count] = variants.entries().next().value as [string, number];
    variants.delete(variant);
    if (variants.size === 0) bucket.delete(feature);
    if (bucket.size === 0) this.#counts.delete(oldest);
    this.#countEntries -= 1;
    this.#stats.evaluationsPending -= count;
    this.#stats.evaluationsDropped += count;
  }

  /** Takes everything held, oldest first, dropping what the server would refuse as too old. */
  #take(): { rows: CountRow[]; events: TrackEvent[] } {
    this.#foldLive();
    const counts = this.#counts;
    this.#counts = new Map();
    this.#countEntries = 0;
    this.#stats.evaluationsPending = 0;
    const oldestAllowed = Date.now() - MAX_AGE_MS;
    const rows: CountRow[] = [];
    for (const minute of [...counts.keys()].sort((a, b) => a - b)) {
      const at = minute * MINUTE;
      for (const [feature, variants] of counts.get(minute)!) {
        for (const [variant, count] of variants) {
          if (at < oldestAllowed) this.#stats.evaluationsDropped += count;
          else rows.push({ feature, variant, count, minute: new Date(at).toISOString() });
        }
      }
    }
    const events = this.#events.filter((e) => Date.parse(e.at) >= oldestAllowed);
    this.#stats.eventsDropped += this.#events.length - events.length;
    this.#events = [];
    return { rows, events };
  }

  /** Puts back what could not be sent, in front of anything recorded meanwhile. */
  #requeue(rows: CountRow[], events: TrackEvent[]): void {
    for (const row of rows) this.#add(Date.parse(row.minute) / MINUTE, row.feature, row.variant, row.count);
    this.#events = [...events, ...this.#events];
    const excess = this.#events.length - this.settings.maxBuffered;
    if (excess > 0) {
      this.#events.splice(0, excess);
      this.#stats.eventsDropped += excess;
    }
  }

  async #flushOnce(): Promise<void> {
    const { rows, events } = this.#take();
    const max = this.settings.maxBatch;
    let r = 0;
    let e = 0;
    while (r < rows.length || e < events.length) {
      const batchRows = rows.slice(r, r + max);
      const batchEvents = events.slice(e, e + max);
      const outcome = await this.#send(batchRows, batchEvents);
      if (outcome === 'failed') {
        this.#requeue(rows.slice(r), events.slice(e));
        return;
      }
      r += batchRows.length;
      e += batchEvents.length;
      const count = batchRows.reduce((sum, row) => sum + row.count, 0);
      if (outcome === 'sent') {
        this.#stats.evaluationsSent += count;
        this.#stats.eventsSent += batchEvents.length;
      } else {
        this.#stats.evaluationsDropped += count;
        this.#stats.eventsDropped += batchEvents.length;
        if (outcome === 'disabled') {
          // The token may not report: drop the rest and stop counting.
          this.#stats.evaluationsDropped += rows.slice(r).reduce((sum, row) => sum + row.count, 0);
          this.#stats.eventsDropped += events.length - e;
          return;
        }
      }
    }
  }

  async #send(evaluations: CountRow[], events: TrackEvent[]): Promise<'sent' | 'rejected' | 'failed' | 'disabled'> {
    const never = new AbortController();
    const { signal, done } = deadline(never.signal, this.options.requestTimeoutMs);
    try {
      const response = await this.options.fetch(`${this.options.baseUrl}/api/v1/sdk/events`, {
        method: 'POST',
        headers: { ...oneShotHeaders(this.options), 'content-type': 'application/json' },
        body: JSON.stringify({ evaluations, events }),
        signal,
      });
      if (response.status === 202 || response.ok) {
        await response.body?.cancel().catch(() => {});
        this.#stats.batchesSent += 1;
        this.#failing = false;
        return 'sent';
      }
      const error = await errorFromResponse(response, 'reporting evaluation counts and events');
      const reported = new GantryError('events', error.message, error.status);
      if (response.status >= 500 || response.status === 429 || response.status === 408) return this.#failed(reported);
      this.#stats.batchesRejected += 1;
      this.onError(reported);
      if (error.code === 'unauthorized') {
        this.#disabled = true;
        return 'disabled';
      }
      return 'rejected';
    } catch (error) {
      return this.#failed(new GantryError('events', networkError('reporting evaluation counts and events', error).message));
    } finally {
      done();
    }
  }

  /** A failure keeps the batch for the next flush; only the first of a streak is reported. */
  #failed(error: GantryError): 'failed' {
    this.#stats.batchesFailed += 1;
    if (!this.#failing) this.onError(error);
    this.#failing = true;
    return 'failed';
  }
}
