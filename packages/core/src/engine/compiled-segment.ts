import type { EvaluationContext } from '../model/context.js';
import type { Segment } from '../model/segment.js';
import { compileClause, matchAll } from './compiled-clause.js';
import type { CompiledClause, SegmentMatcher } from './compiled-clause.js';

const NOBODY: ReadonlySet<string> = new Set();

/**
 * While a bulk evaluation runs, every feature that tests a segment tests it for the same context:
 * each segment remembers its answer for the current bulk pass. Outside a pass (generation 0)
 * nothing is remembered, so a caller that mutates a context between evaluations is never served
 * a stale answer.
 */
let generation = 0;
let passes = 0;

/** Runs `work` as one bulk pass over one context. */
export function inBulkPass<T>(work: () => T): T {
  const outer = generation;
  generation = ++passes;
  try {
    return work();
  } finally {
    generation = outer;
  }
}

/** A segment prepared for evaluation: key sets built, rules compiled. */
export class CompiledSegment implements SegmentMatcher {
  #memoGeneration = 0;
  #memoContext: EvaluationContext | undefined;
  #memoResult = false;

  constructor(
    readonly included: ReadonlySet<string>,
    readonly excluded: ReadonlySet<string>,
    readonly rules: readonly (readonly CompiledClause[])[],
  ) {}

  /** Included keys win, then excluded keys, then any matching rule. */
  matches(context: EvaluationContext): boolean {
    if (generation !== 0) {
      if (this.#memoGeneration === generation && this.#memoContext === context) return this.#memoResult;
      const result = this.#match(context);
      this.#memoGeneration = generation;
      this.#memoContext = context;
      this.#memoResult = result;
      return result;
    }
    return this.#match(context);
  }

  #match(context: EvaluationContext): boolean {
    const key = context.targetingKey;
    if (typeof key === 'string') {
      if (this.included.has(key)) return true;
      if (this.excluded.has(key)) return false;
    }
    const rules = this.rules;
    for (let i = 0; i < rules.length; i++) if (matchAll(rules[i]!, context)) return true;
    return false;
  }
}

/** Compiles a validated segment. */
export function compileSegment(segment: Segment): CompiledSegment {
  const noSegments = (): SegmentMatcher => {
    throw new Error('segment rules may not use segmentMatch');
  };
  return new CompiledSegment(
    segment.included?.length ? new Set(segment.included) : NOBODY,
    segment.excluded?.length ? new Set(segment.excluded) : NOBODY,
    (segment.rules ?? []).map((rule) => rule.clauses.map((clause) => compileClause(clause, noSegments))),
  );
}
