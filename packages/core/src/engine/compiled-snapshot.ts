import type { EvaluationContext } from '../model/context.js';
import type { FeatureType, JsonValue, VariationValue } from '../model/feature.js';
import type { EvaluationResult } from '../model/result.js';
import type { Problem } from '../validation/problem.js';
import { evaluateFeature } from './compiled-feature.js';
import type { CompiledFeature } from './compiled-feature.js';
import { inBulkPass } from './compiled-segment.js';
import { errorResult, errorTemplate, makeResult, typeOfValue } from './results.js';

/** A JSON object or array: what a `json` feature serves. */
export type JsonStructure = JsonValue[] | { [key: string]: JsonValue };

/**
 * A snapshot compiled for evaluation. Every method is total: it never throws, and on failure
 * returns the default value with reason `ERROR` and an error code.
 *
 * @example
 * const engine = compileSnapshot(snapshot);
 * engine.evaluateBoolean('new-checkout', { targetingKey: 'user-123' }, false);
 * // { value: true, variant: 'on', variationIndex: 0, reason: 'SPLIT', errorCode: undefined, … }
 */
export interface CompiledSnapshot {
  readonly environment: string;
  readonly revision: number;
  /** Problems found while compiling; the features they concern evaluate to `PARSE_ERROR`. */
  readonly problems: readonly Problem[];
  /** Keys of every feature in the snapshot, including broken ones. */
  keys(): string[];
  /** The type of a feature, or `undefined` if it is unknown or broken. */
  typeOf(featureKey: string): FeatureType | undefined;
  /**
   * Evaluates a feature for a context. With a `defaultValue` of another type than the feature,
   * returns `TYPE_MISMATCH`; `undefined` or `null` means no default.
   *
   * @example
   * engine.evaluate('page-size', { targetingKey: 'u1' }, 20); // { value: 25, variant: 'medium', reason: 'DEFAULT', … }
   * engine.evaluate('page-size', {}, 'twenty');               // { value: 'twenty', reason: 'ERROR', errorCode: 'TYPE_MISMATCH', … }
   */
  evaluate(featureKey: string, context?: EvaluationContext, defaultValue?: VariationValue): EvaluationResult;
  /**
   * Evaluates a `boolean` feature; any other type gives `TYPE_MISMATCH` with `defaultValue`.
   * `evaluateString`, `evaluateNumber` and `evaluateObject` (for `json`) work the same way.
   *
   * @example
   * if (engine.evaluateBoolean('new-checkout', context, false).value) showNewCheckout();
   */
  evaluateBoolean(featureKey: string, context: EvaluationContext | undefined, defaultValue: boolean): EvaluationResult<boolean>;
  /** @example engine.evaluateString('button-color', context, 'blue').value; // 'green' */
  evaluateString(featureKey: string, context: EvaluationContext | undefined, defaultValue: string): EvaluationResult<string>;
  /** @example engine.evaluateNumber('page-size', context, 20).value; // 25 */
  evaluateNumber(featureKey: string, context: EvaluationContext | undefined, defaultValue: number): EvaluationResult<number>;
  /** @example engine.evaluateObject('limits', context, { seats: 1 }).value; // { seats: 3 } */
  evaluateObject<T extends JsonStructure = JsonStructure>(
    featureKey: string, context: EvaluationContext | undefined, defaultValue: T,
  ): EvaluationResult<T>;
  /**
   * Evaluates every feature for one context (OFREP bulk evaluation), keyed by feature key;
   * broken features are included with their `PARSE_ERROR`.
   *
   * @example
   * const all = engine.evaluateAll({ targetingKey: 'user-123' });
   * all['new-checkout'].variant; // 'on'
   */
  evaluateAll(context?: EvaluationContext): Record<string, EvaluationResult>;
  /**
   * Bulk evaluation without building an object: results in the order of {@link orderedKeys}.
   * Segment answers are computed once per call.
   */
  evaluateAllOrdered(context?: EvaluationContext): EvaluationResult[];
  /** The feature keys in snapshot order, as one shared frozen array. */
  readonly orderedKeys: readonly string[];
}

const EMPTY_CONTEXT: EvaluationContext = Object.freeze({});

function asContext(context: unknown): EvaluationContext {
  return typeof context === 'object' && context !== null ? (context as EvaluationContext) : EMPTY_CONTEXT;
}

/** Quotes a feature key for a message; never throws, whatever a JavaScript caller passed. */
function quote(key: unknown): string {
  try {
    return typeof key === 'string' ? JSON.stringify(key) : String(key);
  } catch {
    return 'the given key';
  }
}

function describeType(value: unknown): string {
  const type = typeOfValue(value);
  return type === 'other' ? typeof value : (type ?? 'undefined');
}

/** The evaluator behind {@link CompiledSnapshot}. */
export class SnapshotEvaluator implements CompiledSnapshot {
  readonly #features: ReadonlyMap<string, CompiledFeature>;

  constructor(
    readonly environment: string,
    readonly revision: number,
    readonly problems: readonly Problem[],
    features: ReadonlyMap<string, CompiledFeature>,
  ) {
    this.#features = features;
  }

  keys(): string[] {
    return [...this.#features.keys()];
  }

  get orderedKeys(): readonly string[] {
    return (this.#orderedKeys ??= Object.freeze([...this.#features.keys()]));
  }

  #orderedKeys: readonly string[] | undefined;

  evaluateAllOrdered(context?: EvaluationContext): EvaluationResult[] {
    const keys = this.orderedKeys;
    const ctx = asContext(context);
    return inBulkPass(() => {
      const out = new Array<EvaluationResult>(keys.length);
      for (let i = 0; i < keys.length; i++) out[i] = this.#evaluate(keys[i]!, ctx, undefined, undefined);
      return out;
    });
  }

  typeOf(featureKey: string): FeatureType | undefined {
    return this.#features.get(featureKey)?.type;
  }

  evaluate(featureKey: string, context?: EvaluationContext, defaultValue?: VariationValue): EvaluationResult {
    return this.#evaluate(featureKey, context, defaultValue, undefined);
  }

  evaluateBoolean(featureKey: string, context: EvaluationContext | undefined, defaultValue: boolean): EvaluationResult<boolean> {
    return this.#evaluate(featureKey, context, defaultValue, 'boolean') as EvaluationResult<boolean>;
  }

  evaluateString(featureKey: string, context: EvaluationContext | undefined, defaultValue: string): EvaluationResult<string> {
    return this.#evaluate(featureKey, context, defaultValue, 'string') as EvaluationResult<string>;
  }

  evaluateNumber(featureKey: string, context: EvaluationContext | undefined, defaultValue: number): EvaluationResult<number> {
    return this.#evaluate(featureKey, context, defaultValue, 'number') as EvaluationResult<number>;
  }

  evaluateObject<T extends JsonStructure = JsonStructure>(
    featureKey: string, context: EvaluationContext | undefined, defaultValue: T,
  ): EvaluationResult<T> {
    return this.#evaluate(featureKey, context, defaultValue, 'json') as EvaluationResult<T>;
  }

  evaluateAll(context?: EvaluationContext): Record<string, EvaluationResult> {
    const keys = this.orderedKeys;
    const results = this.evaluateAllOrdered(context);
    const all: Record<string, EvaluationResult> = {};
    for (let i = 0; i < keys.length; i++) all[keys[i]!] = results[i]!;
    return all;
  }

  #evaluate(featureKey: string, context: unknown, defaultValue: unknown, expected: FeatureType | undefined): EvaluationResult {
    try {
      const feature = this.#features.get(featureKey);
      if (feature === undefined) {
        return makeResult(
          defaultValue as VariationValue, undefined, undefined, 'ERROR', 'FLAG_NOT_FOUND',
          `feature ${quote(featureKey)} is not in the snapshot of environment ${JSON.stringify(this.environment)}`, undefined,
        );
      }
      if (feature.broken !== undefined) return errorResult(feature.broken, defaultValue);
      const wanted = expected ?? typeOfValue(defaultValue);
      if (wanted !== undefined && wanted !== feature.type) {
        return makeResult(
          defaultValue as VariationValue, undefined, undefined, 'ERROR', 'TYPE_MISMATCH',
          `feature ${quote(featureKey)} is a ${feature.type} feature, but was asked for a ${expected ?? describeType(defaultValue)} value`,
          undefined,
        );
      }
      const result = evaluateFeature(feature, asContext(context));
      return result.errorCode === undefined ? result : errorResult(result, defaultValue);
    } catch (error) {
      let message = 'unknown error';
      try {
        if (error instanceof Error) message = String(error.message);
      } catch {
        // keep the generic message
      }
      return errorResult(errorTemplate('GENERAL', `evaluation of ${quote(featureKey)} failed: ${message}`), defaultValue);
    }
  }
}
