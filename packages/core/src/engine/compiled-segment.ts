import type { EvaluationContext } from '../model/context.js';
import type { Segment } from '../model/segment.js';
import { compileClause, matchAll } from './compiled-clause.js';
import type { CompiledClause, SegmentMatcher } from './compiled-clause.js';

const NOBODY: ReadonlySet<string> = new Set();

/** A segment prepared for evaluation: key sets built, rules compiled. */
export class CompiledSegment implements SegmentMatcher {
  constructor(
    readonly included: ReadonlySet<string>,
    readonly excluded: ReadonlySet<string>,
    readonly rules: readonly (readonly CompiledClause[])[],
  ) {}

  /** Included keys win, then excluded keys, then any matching rule. */
  matches(context: EvaluationContext): boolean {
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
