import { compileSnapshot, parseSnapshot } from '@gantry/core';
import type { CompiledSnapshot, EnvironmentSnapshot, Problem } from '@gantry/core';
import { affectedFeatures, differentKeys } from './changes.js';

/**
 * Where the snapshot being served came from: the server, or the bootstrap option.
 *
 * @example
 * const { source } = await client.ready(); // 'server' | 'bootstrap'
 */
export type SnapshotSource = 'bootstrap' | 'server';

/** What became of an offered snapshot or patch. */
export type OfferOutcome =
  /** Valid; now served. */
  | { kind: 'applied'; changed: string[]; problems: readonly Problem[] }
  /** Served, but with problems: the features they concern answer PARSE_ERROR. */
  | { kind: 'degraded'; changed: string[]; problems: readonly Problem[] }
  /** Not served; the previous snapshot stays. */
  | { kind: 'rejected'; problems: readonly Problem[] }
  /** A patch for another revision than the one served: a full snapshot is needed. */
  | { kind: 'mismatch' };

/** The first few problems, for a message. */
export function describeProblems(problems: readonly Problem[]): string {
  const shown = problems.slice(0, 3).map((p) => `${p.path || '/'}: ${p.message}`).join('; ');
  return problems.length > 3 ? `${shown} (and ${problems.length - 3} more)` : shown;
}

const ENVELOPE_PATHS = new Set(['', '/environment', '/revision', '/features', '/segments']);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The snapshot the client serves, and the policy for replacing it:
 *
 * - a valid snapshot (core's `parseSnapshot`) is served;
 * - one whose problems all sit inside single features or segments is served too, those
 *   features answering `PARSE_ERROR` (what `docs/evaluation.md` asks of an older SDK meeting a
 *   newer server, and what lets a kill switch through next to a feature it cannot read);
 * - one whose envelope is broken (not an object, no revision, features not a map…) is
 *   rejected and the previous snapshot kept, except as a bootstrap with nothing else to serve,
 *   where it is compiled as core compiles it.
 */
export class SnapshotState {
  #raw: EnvironmentSnapshot | undefined;
  #compiled: CompiledSnapshot | undefined;
  #source: SnapshotSource | undefined;
  #valid = false;

  get compiled(): CompiledSnapshot | undefined {
    return this.#compiled;
  }

  get source(): SnapshotSource | undefined {
    return this.#source;
  }

  /** The revision served, if it came from the server (what `Last-Event-ID` and `If-None-Match` carry). */
  get serverRevision(): number | undefined {
    return this.#source === 'server' ? this.#raw?.revision : undefined;
  }

  get environment(): string | undefined {
    return this.#compiled?.environment;
  }

  /** The snapshot served, when it passed validation in full (what may be persisted). */
  get validSnapshot(): EnvironmentSnapshot | undefined {
    return this.#valid ? this.#raw : undefined;
  }

  offer(input: unknown, source: SnapshotSource, knownChanges?: { features: Iterable<string>; segments: Iterable<string> }): OfferOutcome {
    const parsed = typeof input === 'string'
      ? { ok: false as const, problems: [{ path: '', message: 'a snapshot must be an object, got a string' }] }
      : parseSnapshot(input);
    let kind: 'applied' | 'degraded' = 'applied';
    let problems: readonly Problem[] = [];
    if (!parsed.ok) {
      problems = parsed.problems;
      const envelopeBroken = problems.some((p) => ENVELOPE_PATHS.has(p.path));
      if (envelopeBroken && !(source === 'bootstrap' && this.#compiled === undefined)) return { kind: 'rejected', problems };
      kind = 'degraded';
    }
    const previous = this.#raw;
    const next = input as EnvironmentSnapshot;
    const compiled = compileSnapshot(next);
    const changed = knownChanges
      ? affectedFeatures(next, knownChanges.features, knownChanges.segments)
      : affectedFeatures(next, differentKeys(previous?.features, next?.features), differentKeys(previous?.segments, next?.segments));
    this.#raw = isRecord(input) ? next : undefined;
    this.#compiled = compiled;
    this.#source = source;
    this.#valid = parsed.ok;
    return { kind, changed, problems };
  }

  /** Applies a stream `patch` event's data to the served server snapshot. */
  applyPatch(data: unknown): OfferOutcome {
    const raw = this.#raw;
    if (!isRecord(data) || !Number.isSafeInteger(data['revision']) || !Number.isSafeInteger(data['baseRevision'])) {
      return { kind: 'rejected', problems: [{ path: '', message: 'a patch needs integer revision and baseRevision' }] };
    }
    if (this.#source !== 'server' || raw === undefined || data['baseRevision'] !== raw.revision) return { kind: 'mismatch' };
    if (typeof data['environment'] === 'string' && data['environment'] !== raw.environment) return { kind: 'mismatch' };
    const merge = (base: Readonly<Record<string, unknown>>, changes: unknown): Record<string, unknown> => {
      const out: Record<string, unknown> = { ...base };
      if (isRecord(changes)) {
        for (const [key, value] of Object.entries(changes)) {
          if (value === null) delete out[key];
          else out[key] = value;
        }
      }
      return out;
    };
    const next = {
      ...raw,
      revision: data['revision'],
      features: merge(raw.features, data['features']),
      segments: merge(raw.segments, data['segments']),
    };
    const keys = (value: unknown) => (isRecord(value) ? Object.keys(value) : []);
    return this.offer(next, 'server', { features: keys(data['features']), segments: keys(data['segments']) });
  }
}
