import { childPath, checkString, describe, isRecord, optionalArray, ProblemCollector } from './problem.js';
import type { Problem } from './problem.js';
import { validateClause } from './validate-clause.js';

/** Checks a segment at `path` into `out`. */
export function collectSegmentProblems(segment: unknown, path: string, out: ProblemCollector): void {
  if (!isRecord(segment)) {
    out.add(path, `a segment must be an object, got ${describe(segment)}`);
    return;
  }
  checkString(segment, 'key', path, out, { key: true });
  checkString(segment, 'description', path, out, { optional: true });
  for (const field of ['included', 'excluded']) {
    const keys = optionalArray(segment, field, path, out);
    keys?.forEach((key, index) => {
      if (typeof key !== 'string' || key.length === 0) {
        out.add(childPath(childPath(path, field), index), `must be a non-empty context key, got ${describe(key)}`);
      }
    });
  }
  const rules = optionalArray(segment, 'rules', path, out);
  rules?.forEach((rule, index) => {
    const rulePath = childPath(childPath(path, 'rules'), index);
    if (!isRecord(rule)) {
      out.add(rulePath, `a segment rule must be an object, got ${describe(rule)}`);
      return;
    }
    const clauses = rule['clauses'];
    if (!Array.isArray(clauses) || clauses.length === 0) {
      out.add(childPath(rulePath, 'clauses'), `must be a non-empty array, got ${describe(clauses)}`);
      return;
    }
    clauses.forEach((clause, clauseIndex) => {
      validateClause(clause, childPath(childPath(rulePath, 'clauses'), clauseIndex), out, { segments: undefined });
    });
  });
}

/**
 * Problems with a segment, with paths relative to the segment (`''` is the segment itself).
 *
 * @example
 * validateSegment({ key: 'staff', rules: [{ clauses: [{ attribute: 'email', operator: 'endsWith', values: [42] }] }] });
 * // [{ path: '/rules/0/clauses/0/values/0', message: 'must be a string, got number 42' }]
 */
export function validateSegment(segment: unknown): Problem[] {
  const out = new ProblemCollector();
  collectSegmentProblems(segment, '', out);
  return out.problems;
}
