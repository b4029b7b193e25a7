import { matchesFeatureType, OPERATORS, validateSegment, type Clause, type FeatureType, type Operator, type SegmentRule, type Serve } from '@gantry/core';
import { InvalidArgumentError } from 'commander';
import { UsageError } from './errors.js';

/**
 * Parsers and formatters for the release verbs: feature keys, percentages, variations, segment
 * rules, and the words that describe who is served what. Parsers throw before anything is sent.
 */

const featureKeyPattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** Feature and variation keys: letters, digits, `.`, `_`, `-`. */
export function featureKey(value: string): string {
  if (!featureKeyPattern.test(value)) throw new InvalidArgumentError('A feature key is letters, digits, . _ and - (at most 128 characters), e.g. new-checkout.');
  return value;
}

/** 0 to 100 with at most 3 decimals: the server's weights are in steps of 0.001 %. */
export function percent(value: string): number {
  const n = Number(value);
  if (!/^\d{1,3}(\.\d{1,3})?$/.test(value) || n > 100) throw new InvalidArgumentError('It must be a number from 0 to 100 with at most 3 decimals, e.g. 25 or 0.5.');
  return n;
}

/** A variation index, as `gantry feature show` lists them. */
export function variationIndex(value: string): number {
  const n = Number(value);
  if (!/^\d{1,2}$/.test(value)) throw new InvalidArgumentError('It must be a variation index from 0 to 99, as gantry feature show lists them.');
  return n;
}

/** `--variation KEY=VALUE`, repeatable; the value is read once the feature's type is known. */
export function variationOption(value: string, previous: { key: string; text: string }[] = []): { key: string; text: string }[] {
  const at = value.indexOf('=');
  const key = at < 0 ? '' : value.slice(0, at);
  if (!featureKeyPattern.test(key)) throw new InvalidArgumentError('Use KEY=VALUE with a key of letters, digits, . _ and -, e.g. --variation blue=\'"#00f"\' or --variation limit=10.');
  if (previous.some((v) => v.key === key)) throw new InvalidArgumentError(`The variation key "${key}" is given twice.`);
  return [...previous, { key, text: value.slice(at + 1) }];
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

const typeWords: Record<FeatureType, string> = {
  boolean: 'true or false',
  string: 'a string',
  number: 'a finite number',
  json: 'a JSON object or array',
};

/** A variation's value: JSON, or for a string feature the text itself when it is not a JSON string. */
export function variationValue(type: FeatureType, key: string, text: string): unknown {
  const parsed = parseJson(text);
  const value = type === 'string' ? (parsed.ok && typeof parsed.value === 'string' ? parsed.value : text) : parsed.ok ? parsed.value : undefined;
  if (value === undefined || !matchesFeatureType(type, value)) {
    throw new UsageError(`--variation ${key}=${text}: a ${type} feature's values must be ${typeWords[type]}${type === 'json' ? ' (e.g. \'{"limit":10}\')' : ''}`);
  }
  return value;
}

const ruleOperators = OPERATORS.filter((o) => o !== 'segmentMatch');
const numeric = new Set<Operator>(['lt', 'lte', 'gt', 'gte']);

/**
 * `--rule ATTRIBUTE:OPERATOR:VALUE[,VALUE]`, repeatable: one segment rule with one clause. Values
 * are strings, numbers for lt/lte/gt/gte, and epoch milliseconds or ISO times for before/after.
 */
export function ruleOption(value: string, previous: SegmentRule[] = []): SegmentRule[] {
  const [attribute = '', operator = '', ...rest] = value.split(':');
  const text = rest.join(':');
  const usage = 'Use ATTRIBUTE:OPERATOR:VALUE[,VALUE], e.g. --rule country:in:NL,BE or --rule age:gte:18.';
  if (!attribute || !operator || !text) throw new InvalidArgumentError(usage);
  if (!(ruleOperators as readonly string[]).includes(operator)) throw new InvalidArgumentError(`Unknown operator "${operator}"; use one of ${ruleOperators.join(', ')}.`);
  const op = operator as Operator;
  const values = text.split(',').map((v) => {
    if (numeric.has(op)) {
      if (!/^-?\d+(\.\d+)?$/.test(v.trim())) throw new InvalidArgumentError(`${op} compares numbers; "${v}" is not a number. ${usage}`);
      return Number(v);
    }
    return (op === 'before' || op === 'after') && /^\d+$/.test(v) ? Number(v) : v;
  });
  const clause = { attribute, operator: op, values } as Clause;
  const problems = validateSegment({ key: 'rule', rules: [{ clauses: [clause] }] });
  if (problems.length) throw new InvalidArgumentError(`${problems.map((p) => `${p.path.replace(/^\/rules\/0\/clauses\/0\//, '')} ${p.message}`).join('; ')}. ${usage}`);
  return [...previous, { clauses: [clause] }];
}

/** `country in NL, BE`, `in segment beta-testers`, `age not gte 18`. */
export function describeClause(clause: Clause): string {
  const values = clause.values.map((v) => String(v)).join(', ');
  if (clause.operator === 'segmentMatch') return `${clause.negate ? 'not ' : ''}in segment ${values}`;
  return `${clause.attribute} ${clause.negate ? 'not ' : ''}${clause.operator} ${values}`;
}

export interface VariationInfo {
  key: string;
  value: unknown;
}

/** `1 (off)` */
export function variationName(variations: VariationInfo[], index: number): string {
  const v = variations[index];
  return v ? `${index} (${v.key})` : String(index);
}

/** `0 (on)`, or `rollout: on 25 %, off 75 %` */
export function describeServe(serve: Serve, variations: VariationInfo[]): string {
  if ('variation' in serve) return variationName(variations, serve.variation);
  const parts = serve.rollout.variations.map((w) => `${variations[w.variation]?.key ?? w.variation} ${w.weight / 1000} %`);
  return `rollout: ${parts.join(', ')}${serve.rollout.bucketBy ? ` (by ${serve.rollout.bucketBy})` : ''}`;
}
