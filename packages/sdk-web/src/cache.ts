import { digest, stableStringify } from './hash.js';
import { flagsToWire, parseFlags, type FlagSet } from './ofrep.js';
import type { EvaluationContext } from './types.js';

/** Bump when the stored shape changes: older entries are then ignored. */
export const CACHE_FORMAT = 1;

export interface CachedEvaluation {
  readonly flags: FlagSet;
  readonly etag: string | undefined;
  readonly savedAt: number;
}

/** The default storage: `localStorage` when the page may use it (it throws in some sandboxes). */
export function defaultStorage(): Storage | null {
  try {
    const storage = (globalThis as { localStorage?: Storage }).localStorage;
    return storage ?? null;
  } catch {
    return null;
  }
}

/**
 * Evaluations kept in Web Storage, one entry per server + token + context, so a reload serves the
 * last known values at once and works offline. Keys hold digests, never the token or attributes.
 * Every storage error (quota, disabled storage, garbage written by someone else) is swallowed: the
 * cache is an optimisation and never a reason to fail.
 */
export class EvaluationCache {
  readonly #storage: Storage | null;
  readonly #prefix: string;

  constructor(storage: Storage | null, storageKey: string, baseUrl: string, token: string) {
    this.#storage = storage;
    this.#prefix = `${storageKey}:v${CACHE_FORMAT}:${digest(`${baseUrl}\n${token}`)}:`;
  }

  keyFor(context: EvaluationContext): string {
    return this.#prefix + digest(stableStringify(context));
  }

  read(context: EvaluationContext): CachedEvaluation | undefined {
    if (!this.#storage) return undefined;
    try {
      const raw = this.#storage.getItem(this.keyFor(context));
      if (raw === null) return undefined;
      const entry: unknown = JSON.parse(raw);
      if (typeof entry !== 'object' || entry === null) return undefined;
      const { format, etag, savedAt, flags: wire } = entry as Record<string, unknown>;
      if (format !== CACHE_FORMAT || typeof savedAt !== 'number') return undefined;
      const flags = parseFlags(wire);
      if (!flags) return undefined;
      return { flags, etag: typeof etag === 'string' ? etag : undefined, savedAt };
    } catch {
      return undefined;
    }
  }

  /** Stores the evaluation of `context` and drops entries of other contexts for the same server and token. */
  write(context: EvaluationContext, flags: FlagSet, etag: string | undefined): void {
    if (!this.#storage) return;
    const key = this.keyFor(context);
    try {
      this.#dropOthers(key);
      this.#storage.setItem(key, JSON.stringify({ format: CACHE_FORMAT, etag, savedAt: Date.now(), flags: flagsToWire(flags) }));
    } catch {
      // full or disabled storage: serve from memory only
    }
  }

  #dropOthers(keep: string): void {
    const storage = this.#storage;
    if (!storage) return;
    const stale: string[] = [];
    for (let i = 0; i < storage.length; i++) {
      const k = storage.key(i);
      if (k !== null && k !== keep && k.startsWith(this.#prefix)) stale.push(k);
    }
    for (const k of stale) storage.removeItem(k);
  }
}
