import type { VariationValue } from './feature.js';

/** OpenFeature resolution reasons that the engine reports. */
export type EvaluationReason = 'STATIC' | 'TARGETING_MATCH' | 'SPLIT' | 'DEFAULT' | 'DISABLED' | 'ERROR';

/** OpenFeature error codes that the engine reports. */
export type ErrorCode = 'FLAG_NOT_FOUND' | 'TYPE_MISMATCH' | 'TARGETING_KEY_MISSING' | 'PARSE_ERROR' | 'GENERAL';

/** Flag metadata attached to some results (OFREP `metadata`). */
export type ResultMetadata = Readonly<Record<string, string | number | boolean>>;

/**
 * The outcome of one evaluation. On success `variant` is the served variation's key and
 * `variationIndex` its position; on error `value` is the caller's default and `errorCode` says
 * why. Results may be shared between calls: treat them as read-only.
 *
 * @example
 * const result: EvaluationResult<boolean> = { value: true, variant: 'on', variationIndex: 0, reason: 'SPLIT' };
 */
export interface EvaluationResult<T = VariationValue | undefined> {
  readonly value: T;
  readonly variant: string | undefined;
  readonly variationIndex: number | undefined;
  readonly reason: EvaluationReason;
  readonly errorCode: ErrorCode | undefined;
  readonly errorMessage: string | undefined;
  readonly metadata: ResultMetadata | undefined;
}
