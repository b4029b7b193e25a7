import type { FeatureType, VariationValue } from '../model/feature.js';
import type { ErrorCode, EvaluationReason, EvaluationResult, ResultMetadata } from '../model/result.js';

/**
 * Results are built with every field present, in one order, so that they all share one hidden
 * class; successful results are built once at compile time, frozen and reused.
 */
export function makeResult(
  value: VariationValue | undefined,
  variant: string | undefined,
  variationIndex: number | undefined,
  reason: EvaluationReason,
  errorCode: ErrorCode | undefined,
  errorMessage: string | undefined,
  metadata: ResultMetadata | undefined,
): EvaluationResult {
  return { value, variant, variationIndex, reason, errorCode, errorMessage, metadata };
}

/** A frozen error result whose `value` is filled in with the caller's default at evaluation time. */
export function errorTemplate(errorCode: ErrorCode, errorMessage: string): EvaluationResult {
  return Object.freeze(makeResult(undefined, undefined, undefined, 'ERROR', errorCode, errorMessage, undefined));
}

/** An error result carrying the caller's default value. */
export function errorResult(template: EvaluationResult, defaultValue: unknown): EvaluationResult {
  return makeResult(
    defaultValue as VariationValue, undefined, undefined, 'ERROR', template.errorCode, template.errorMessage, undefined,
  );
}

/** A deep, frozen copy of a JSON value, so that no caller can change what later evaluations serve. */
export function frozenJsonCopy<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  return deepFreeze(JSON.parse(JSON.stringify(value)) as T);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const item of Object.values(value)) deepFreeze(item);
    Object.freeze(value);
  }
  return value;
}

/** The feature type a default value belongs to, or `undefined` for `undefined`/`null`. */
export function typeOfValue(value: unknown): FeatureType | 'other' | undefined {
  switch (typeof value) {
    case 'boolean':
      return 'boolean';
    case 'string':
      return 'string';
    case 'number':
      return 'number';
    case 'object':
      return value === null ? undefined : 'json';
    case 'undefined':
      return undefined;
    default:
      return 'other';
  }
}
