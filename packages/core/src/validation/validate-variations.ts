import type { FeatureType } from '../model/feature.js';
import { childPath, checkString, describe, isRecord } from './problem.js';
import type { ProblemCollector } from './problem.js';

/**
 * Every feature type.
 *
 * @example
 * FEATURE_TYPES.includes('json'); // true
 */
export const FEATURE_TYPES: readonly FeatureType[] = Object.freeze(['boolean', 'string', 'number', 'json'] as const);

/**
 * Most variations a feature may have.
 *
 * @example
 * variations.length <= MAX_VARIATIONS;
 */
export const MAX_VARIATIONS = 100;

const MAX_JSON_DEPTH = 32;

/** Why `value` is not plain JSON, or `undefined`. */
function jsonProblem(value: unknown, depth: number): string | undefined {
  if (depth > MAX_JSON_DEPTH) return `nested deeper than ${MAX_JSON_DEPTH} levels`;
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return undefined;
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : 'numbers must be finite';
  if (Array.isArray(value)) {
    for (const item of value) {
      const problem = jsonProblem(item, depth + 1);
      if (problem !== undefined) return problem;
    }
    return undefined;
  }
  if (isRecord(value) && (Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null)) {
    for (const item of Object.values(value)) {
      const problem = jsonProblem(item, depth + 1);
      if (problem !== undefined) return problem;
    }
    return undefined;
  }
  return `${describe(value)} is not JSON`;
}

/**
 * Whether `value` is a valid value of a variation of `type`: a boolean, a string, a finite
 * number, or (for `json`) a plain JSON object or array.
 *
 * @example
 * matchesFeatureType('json', { limit: 3 }); // true
 * matchesFeatureType('number', '3');        // false
 */
export function matchesFeatureType(type: FeatureType, value: unknown): boolean {
  switch (type) {
    case 'boolean':
      return typeof value === 'boolean';
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'json':
      return typeof value === 'object' && value !== null && jsonProblem(value, 0) === undefined;
  }
}

/** Checks `type` and `variations` of a feature; returns the variation count when usable. */
export function collectVariationProblems(
  feature: Record<string, unknown>, path: string, out: ProblemCollector,
): number | undefined {
  const type = feature['type'];
  const typeOk = typeof type === 'string' && (FEATURE_TYPES as readonly string[]).includes(type);
  if (!typeOk) out.add(childPath(path, 'type'), `must be one of ${FEATURE_TYPES.join(', ')}, got ${describe(type)}`);
  const variations = feature['variations'];
  const variationsPath = childPath(path, 'variations');
  if (!Array.isArray(variations) || variations.length < 2 || variations.length > MAX_VARIATIONS) {
    out.add(variationsPath, `must be an array of 2 to ${MAX_VARIATIONS} variations, got ${describe(variations)}`);
    return undefined;
  }
  const seen = new Set<string>();
  variations.forEach((variation: unknown, index) => {
    const variationPath = childPath(variationsPath, index);
    if (!isRecord(variation)) {
      out.add(variationPath, `a variation must be an object, got ${describe(variation)}`);
      return;
    }
    const key = checkString(variation, 'key', variationPath, out, { key: true });
    if (key !== undefined) {
      if (seen.has(key)) out.add(childPath(variationPath, 'key'), `duplicate variation key ${JSON.stringify(key)}`);
      seen.add(key);
    }
    checkString(variation, 'name', variationPath, out, { optional: true });
    checkString(variation, 'description', variationPath, out, { optional: true });
    const value = variation['value'];
    const valuePath = childPath(variationPath, 'value');
    if (typeOk && !matchesFeatureType(type as FeatureType, value)) {
      const detail = type === 'json' ? jsonProblem(value, 0) : undefined;
      out.add(valuePath, `must be a ${type === 'json' ? 'JSON object or array' : type} for a ${type} feature, got ${detail ?? describe(value)}`);
    }
  });
  return variations.length;
}
