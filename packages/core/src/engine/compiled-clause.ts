import type { EvaluationContext } from '../model/context.js';
import type { Clause } from '../model/targeting.js';
import { toInstant } from '../operators/dates.js';
import { MAX_MATCH_INPUT_LENGTH } from '../operators/safe-regex.js';
import { compareSemVer, parseSemVer } from '../operators/semver.js';
import type { SemVer } from '../operators/semver.js';
import { contextInstant, contextSemVer, needsOwnCheck, readAttribute } from './context-values.js';

// Operation codes: a switch over small integers keeps clause matching monomorphic.
const IN = 0;
const STARTS_WITH = 1;
const ENDS_WITH = 2;
const CONTAINS = 3;
const MATCHES = 4;
const LESS = 5;
const LESS_OR_EQUAL = 6;
const GREATER = 7;
const GREATER_OR_EQUAL = 8;
const SEMVER_EQ = 9;
const SEMVER_LT = 10;
const SEMVER_GT = 11;
const BEFORE = 12;
const AFTER = 13;
const SEGMENT = 14;

/** Anything that can tell whether a context belongs to it. */
export interface SegmentMatcher {
  matches(context: EvaluationContext): boolean;
}

const NO_STRINGS: readonly string[] = Object.freeze([]);
const NO_REGEXES: readonly RegExp[] = Object.freeze([]);
const NO_SEMVERS: readonly SemVer[] = Object.freeze([]);
const NO_SEGMENTS: readonly SegmentMatcher[] = Object.freeze([]);
const NO_SET: ReadonlySet<unknown> = new Set();

/**
 * A clause prepared for evaluation: values parsed, sets and regular expressions built, bounds of
 * the ordering operators folded into one number ("less than any of" is "less than the largest").
 * Every clause has the same fields, whatever its operator.
 */
export class CompiledClause {
  constructor(
    readonly op: number,
    readonly attribute: string,
    readonly ownOnly: boolean,
    readonly negate: boolean,
    readonly set: ReadonlySet<unknown>,
    readonly strings: readonly string[],
    readonly regexes: readonly RegExp[],
    readonly bound: number,
    readonly semver: SemVer | undefined,
    readonly semvers: readonly SemVer[],
    readonly segments: readonly SegmentMatcher[],
  ) {}
}

function clause(
  op: number, attribute: string, negate: boolean,
  parts: { set?: ReadonlySet<unknown>; strings?: readonly string[]; regexes?: readonly RegExp[]; bound?: number;
    semver?: SemVer; semvers?: readonly SemVer[]; segments?: readonly SegmentMatcher[] },
): CompiledClause {
  return new CompiledClause(
    op, attribute, needsOwnCheck(attribute), negate, parts.set ?? NO_SET, parts.strings ?? NO_STRINGS,
    parts.regexes ?? NO_REGEXES, parts.bound ?? 0, parts.semver, parts.semvers ?? NO_SEMVERS, parts.segments ?? NO_SEGMENTS,
  );
}

function extreme(values: readonly number[], pick: 'max' | 'min'): number {
  return pick === 'max' ? Math.max(...values) : Math.min(...values);
}

function extremeSemVer(values: readonly SemVer[], pick: 'max' | 'min'): SemVer {
  return values.reduce((best, v) => ((pick === 'max' ? compareSemVer(v, best) > 0 : compareSemVer(v, best) < 0) ? v : best));
}

/**
 * Compiles a validated clause. `segments` resolves segment keys (only for `segmentMatch`).
 */
export function compileClause(source: Clause, segments: (key: string) => SegmentMatcher): CompiledClause {
  const negate = source.negate === true;
  if (source.operator === 'segmentMatch') return clause(SEGMENT, '', negate, { segments: source.values.map(segments) });
  const { attribute, values } = source;
  const strings = values as readonly string[];
  const numbers = values as readonly number[];
  switch (source.operator) {
    case 'in':
      return clause(IN, attribute, negate, { set: new Set(values) });
    case 'notIn':
      // "not in" is "in", negated: for an array attribute it means no element is in the list.
      return clause(IN, attribute, !negate, { set: new Set(values) });
    case 'startsWith':
      return clause(STARTS_WITH, attribute, negate, { strings });
    case 'endsWith':
      return clause(ENDS_WITH, attribute, negate, { strings });
    case 'contains':
      return clause(CONTAINS, attribute, negate, { strings });
    case 'matches':
      return clause(MATCHES, attribute, negate, { regexes: strings.map((p) => new RegExp(p)) });
    case 'lt':
      return clause(LESS, attribute, negate, { bound: extreme(numbers, 'max') });
    case 'lte':
      return clause(LESS_OR_EQUAL, attribute, negate, { bound: extreme(numbers, 'max') });
    case 'gt':
      return clause(GREATER, attribute, negate, { bound: extreme(numbers, 'min') });
    case 'gte':
      return clause(GREATER_OR_EQUAL, attribute, negate, { bound: extreme(numbers, 'min') });
    case 'before':
      return clause(BEFORE, attribute, negate, { bound: extreme(values.map((v) => toInstant(v)!), 'max') });
    case 'after':
      return clause(AFTER, attribute, negate, { bound: extreme(values.map((v) => toInstant(v)!), 'min') });
    case 'semverEq':
      return clause(SEMVER_EQ, attribute, negate, { semvers: strings.map((v) => parseSemVer(v)!) });
    case 'semverLt':
      return clause(SEMVER_LT, attribute, negate, { semver: extremeSemVer(strings.map((v) => parseSemVer(v)!), 'max') });
    case 'semverGt':
      return clause(SEMVER_GT, attribute, negate, { semver: extremeSemVer(strings.map((v) => parseSemVer(v)!), 'min') });
  }
}

function matchesOne(c: CompiledClause, value: unknown): boolean {
  switch (c.op) {
    case IN:
      return c.set.has(value);
    case STARTS_WITH:
    case ENDS_WITH:
    case CONTAINS:
      return typeof value === 'string' && matchesText(c, value);
    case MATCHES:
      if (typeof value !== 'string' || value.length > MAX_MATCH_INPUT_LENGTH) return false;
      for (let i = 0; i < c.regexes.length; i++) if (c.regexes[i]!.test(value)) return true;
      return false;
    case LESS:
      return typeof value === 'number' && value < c.bound;
    case LESS_OR_EQUAL:
      return typeof value === 'number' && value <= c.bound;
    case GREATER:
      return typeof value === 'number' && value > c.bound;
    case GREATER_OR_EQUAL:
      return typeof value === 'number' && value >= c.bound;
    case BEFORE: {
      const instant = contextInstant(value);
      return instant !== undefined && instant < c.bound;
    }
    case AFTER: {
      const instant = contextInstant(value);
      return instant !== undefined && instant > c.bound;
    }
    case SEMVER_EQ:
    case SEMVER_LT:
    case SEMVER_GT:
      return matchesSemVer(c, contextSemVer(value));
    default:
      return false;
  }
}

function matchesText(c: CompiledClause, value: string): boolean {
  const strings = c.strings;
  for (let i = 0; i < strings.length; i++) {
    const s = strings[i]!;
    if (c.op === STARTS_WITH ? value.startsWith(s) : c.op === ENDS_WITH ? value.endsWith(s) : value.includes(s)) return true;
  }
  return false;
}

function matchesSemVer(c: CompiledClause, version: SemVer | undefined): boolean {
  if (version === undefined) return false;
  if (c.op === SEMVER_LT) return compareSemVer(version, c.semver!) < 0;
  if (c.op === SEMVER_GT) return compareSemVer(version, c.semver!) > 0;
  for (let i = 0; i < c.semvers.length; i++) if (compareSemVer(version, c.semvers[i]!) === 0) return true;
  return false;
}

/**
 * Whether a context satisfies a clause. A missing (`undefined` or `null`) attribute never
 * matches, negated or not; an array attribute matches when any element does.
 */
export function matchClause(c: CompiledClause, context: EvaluationContext): boolean {
  if (c.op === SEGMENT) {
    const segments = c.segments;
    let inAny = false;
    for (let i = 0; i < segments.length; i++) {
      if (segments[i]!.matches(context)) {
        inAny = true;
        break;
      }
    }
    return inAny !== c.negate;
  }
  const value = readAttribute(context, c.attribute, c.ownOnly);
  if (value === undefined || value === null) return false;
  let matched = false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      if (item !== undefined && item !== null && matchesOne(c, item)) {
        matched = true;
        break;
      }
    }
  } else {
    matched = matchesOne(c, value);
  }
  return matched !== c.negate;
}

/** Whether a context satisfies every clause. */
export function matchAll(clauses: readonly CompiledClause[], context: EvaluationContext): boolean {
  for (let i = 0; i < clauses.length; i++) if (!matchClause(clauses[i]!, context)) return false;
  return true;
}
