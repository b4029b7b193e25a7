import type { EvaluationContext } from '../model/context.js';
import { parseIsoInstant } from '../operators/dates.js';
import { parseSemVer } from '../operators/semver.js';
import type { SemVer } from '../operators/semver.js';

/**
 * Reads an attribute from a context. Names that exist on `Object.prototype` (`constructor`,
 * `toString`…) are read as own properties only, so they are never mistaken for attributes.
 */
export function readAttribute(context: EvaluationContext, name: string, ownOnly: boolean): unknown {
  if (ownOnly) return Object.hasOwn(context, name) ? context[name] : undefined;
  return context[name];
}

/** Whether reading `name` needs the own-property check of {@link readAttribute}. */
export function needsOwnCheck(name: string): boolean {
  return name in Object.prototype;
}

/**
 * A small memo of parsed context values. Context attributes such as `appVersion` repeat a
 * handful of values, so steady-state evaluation parses nothing and allocates nothing.
 */
class BoundedMemo<V> {
  readonly #entries = new Map<string, V>();
  readonly #capacity: number;
  readonly #parse: (text: string) => V;

  constructor(capacity: number, parse: (text: string) => V) {
    this.#capacity = capacity;
    this.#parse = parse;
  }

  get(text: string): V {
    let value = this.#entries.get(text);
    if (value === undefined && !this.#entries.has(text)) {
      value = this.#parse(text);
      if (this.#entries.size >= this.#capacity) this.#entries.clear();
      this.#entries.set(text, value);
    }
    return value as V;
  }
}

const semvers = new BoundedMemo<SemVer | undefined>(2048, parseSemVer);
const instants = new BoundedMemo<number | undefined>(2048, parseIsoInstant);

/** A context value as a semantic version, or `undefined`. */
export function contextSemVer(value: unknown): SemVer | undefined {
  return typeof value === 'string' && value.length <= 256 ? semvers.get(value) : undefined;
}

/** A context value as epoch milliseconds (numbers as they are, ISO strings parsed), or `undefined`. */
export function contextInstant(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  return typeof value === 'string' && value.length <= 40 ? instants.get(value) : undefined;
}
