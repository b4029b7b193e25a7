import { toInstant } from '../operators/dates.js';
import { regexProblem } from '../operators/safe-regex.js';
import { parseSemVer } from '../operators/semver.js';
import { OPERATORS } from '../model/targeting.js';
import type { Operator } from '../model/targeting.js';
import { childPath, describe, isRecord } from './problem.js';
import type { ProblemCollector } from './problem.js';

/** What a clause may refer to. `segments` is `undefined` inside a segment, where `segmentMatch` is not allowed. */
export interface ClauseScope {
  readonly segments: ReadonlySet<string> | undefined;
}

const OPERATOR_SET: ReadonlySet<string> = new Set(OPERATORS);

/** Why `value` is not acceptable for `operator`, or `undefined`. */
function valueProblem(operator: Operator, value: unknown): string | undefined {
  switch (operator) {
    case 'in':
    case 'notIn':
      if (typeof value === 'string' || typeof value === 'boolean') return undefined;
      if (typeof value === 'number' && Number.isFinite(value)) return undefined;
      return `must be a string, a finite number or a boolean, got ${describe(value)}`;
    case 'startsWith':
    case 'endsWith':
    case 'contains':
      return typeof value === 'string' ? undefined : `must be a string, got ${describe(value)}`;
    case 'matches':
      return typeof value === 'string' ? regexProblem(value) : `must be a regular expression string, got ${describe(value)}`;
    case 'lt':
    case 'lte':
    case 'gt':
    case 'gte':
      return typeof value === 'number' && Number.isFinite(value) ? undefined : `must be a finite number, got ${describe(value)}`;
    case 'semverEq':
    case 'semverLt':
    case 'semverGt':
      return parseSemVer(value) === undefined ? `must be a semantic version such as "1.4.0", got ${describe(value)}` : undefined;
    case 'before':
    case 'after':
      return toInstant(value) === undefined
        ? `must be epoch milliseconds or an ISO 8601 date or date-time with a zone, got ${describe(value)}`
        : undefined;
    case 'segmentMatch':
      return typeof value === 'string' ? undefined : `must be a segment key, got ${describe(value)}`;
  }
}

/**
 * Checks one clause of a rule or a segment rule.
 */
export function validateClause(clause: unknown, path: string, out: ProblemCollector, scope: ClauseScope): void {
  if (!isRecord(clause)) {
    out.add(path, `a clause must be an object, got ${describe(clause)}`);
    return;
  }
  const operator = clause['operator'];
  if (typeof operator !== 'string' || !OPERATOR_SET.has(operator)) {
    out.add(childPath(path, 'operator'), `unknown operator ${describe(operator)}; expected one of ${OPERATORS.join(', ')}`);
    return;
  }
  const op = operator as Operator;
  if (clause['negate'] !== undefined && typeof clause['negate'] !== 'boolean') {
    out.add(childPath(path, 'negate'), `must be a boolean when present, got ${describe(clause['negate'])}`);
  }
  if (op === 'segmentMatch') {
    if (scope.segments === undefined) out.add(childPath(path, 'operator'), 'segment rules may not use segmentMatch');
  } else {
    const attribute = clause['attribute'];
    if (typeof attribute !== 'string' || attribute.length === 0 || attribute.length > 256) {
      out.add(childPath(path, 'attribute'), `must be an attribute name (1 to 256 characters), got ${describe(attribute)}`);
    }
  }
  const values = clause['values'];
  const valuesPath = childPath(path, 'values');
  if (!Array.isArray(values) || values.length === 0) {
    out.add(valuesPath, `must be a non-empty array, got ${describe(values)}`);
    return;
  }
  values.forEach((value: unknown, index) => {
    const problem = valueProblem(op, value);
    if (problem !== undefined) {
      out.add(childPath(valuesPath, index), problem);
    } else if (op === 'segmentMatch' && scope.segments !== undefined && !scope.segments.has(value as string)) {
      out.add(childPath(valuesPath, index), `unknown segment ${JSON.stringify(value)}`);
    }
  });
}
