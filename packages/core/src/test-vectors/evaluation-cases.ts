import { bucketOf, BUCKET_SCALE } from '../hashing/bucket.js';
import { murmur3 } from '../hashing/murmur3.js';
import type { EvaluationContext } from '../model/context.js';
import type { VariationValue } from '../model/feature.js';
import type { ErrorCode, EvaluationReason, EvaluationResult } from '../model/result.js';
import type { EnvironmentSnapshot } from '../model/snapshot.js';
import { compileSnapshot } from '../engine/compile-snapshot.js';
import type { JsonStructure } from '../engine/compiled-snapshot.js';
import { jsonEqual } from './json-equal.js';

/** What a case expects. An absent field means "none" (`undefined`). */
export interface ExpectedResult {
  readonly value?: unknown;
  readonly variant?: string;
  readonly reason: EvaluationReason;
  readonly errorCode?: ErrorCode;
}

/** One evaluation case of `evaluation-cases.json`. */
export interface EvaluationCase {
  readonly name: string;
  /** The name of a snapshot in the file's `snapshots`, or (when not a string naming one) the snapshot itself. */
  readonly snapshot: unknown;
  readonly flag: string;
  readonly context: unknown;
  /** Absent or `null`: no default. */
  readonly default?: unknown;
  /** Evaluate with the typed helper for this type instead of the generic evaluation. */
  readonly as?: 'boolean' | 'string' | 'number' | 'object';
  readonly expected: ExpectedResult;
}

/** A worked example of the bucketing hash. */
export interface BucketExample {
  readonly featureKey: string;
  readonly salt: string;
  readonly value: string;
  readonly input: string;
  readonly utf8Hex: string;
  readonly hash: number;
  readonly bucket: number;
}

/** The shape of `@gantry/core/test-vectors/evaluation-cases.json`. */
export interface EvaluationCasesFile {
  readonly version: 1;
  readonly description?: string;
  readonly buckets: readonly BucketExample[];
  readonly snapshots: Readonly<Record<string, unknown>>;
  readonly cases: readonly EvaluationCase[];
}

/** The parts of a result a case checks. */
export type CheckedResult = Pick<EvaluationResult, 'value' | 'variant' | 'reason' | 'errorCode'>;

/** Builds an evaluator for one snapshot; it is then called for every case of that snapshot. */
export type CaseEvaluatorFactory = (snapshot: unknown) => (testCase: EvaluationCase) => CheckedResult | Promise<CheckedResult>;

/** The outcome of one case. */
export interface CaseOutcome {
  readonly name: string;
  readonly passed: boolean;
  /** Human-readable differences, empty when passed. */
  readonly mismatches: readonly string[];
  readonly expected: ExpectedResult;
  readonly actual: CheckedResult | undefined;
}

/**
 * The default evaluator of {@link runEvaluationCases}: this package's engine, using the typed
 * evaluation named by a case's `as`.
 *
 * @example
 * const evaluate = coreEvaluator(file.snapshots['targeting']);
 * evaluate(file.cases[0]); // { value, variant, reason, errorCode, … }
 */
export const coreEvaluator: CaseEvaluatorFactory = (snapshot) => {
  const engine = compileSnapshot(snapshot as EnvironmentSnapshot);
  return (testCase) => {
    const context = testCase.context as EvaluationContext | undefined;
    const fallback = testCase.default === null ? undefined : testCase.default;
    switch (testCase.as) {
      case 'boolean':
        return engine.evaluateBoolean(testCase.flag, context, fallback as boolean);
      case 'string':
        return engine.evaluateString(testCase.flag, context, fallback as string);
      case 'number':
        return engine.evaluateNumber(testCase.flag, context, fallback as number);
      case 'object':
        return engine.evaluateObject(testCase.flag, context, fallback as JsonStructure);
      default:
        return engine.evaluate(testCase.flag, context, fallback as VariationValue | undefined);
    }
  };
};

function compare(expected: ExpectedResult, actual: CheckedResult): string[] {
  const mismatches: string[] = [];
  const show = (v: unknown): string => (v === undefined ? 'undefined' : JSON.stringify(v));
  if (!jsonEqual(expected.value, actual.value)) mismatches.push(`value: expected ${show(expected.value)}, got ${show(actual.value)}`);
  for (const field of ['variant', 'reason', 'errorCode'] as const) {
    if (expected[field] !== actual[field]) mismatches.push(`${field}: expected ${show(expected[field])}, got ${show(actual[field])}`);
  }
  return mismatches;
}

/**
 * Runs every case of the file against an evaluator (by default this package's engine) and
 * returns one outcome per case. Other packages run the same file against their own evaluation
 * path: pass a factory that builds a client from a snapshot.
 *
 * @example
 * import { createRequire } from 'node:module';
 * const file = createRequire(import.meta.url)('@gantry/core/test-vectors/evaluation-cases.json');
 * const failed = (await runEvaluationCases(file)).filter((o) => !o.passed);
 */
export async function runEvaluationCases(
  file: EvaluationCasesFile, evaluator: CaseEvaluatorFactory = coreEvaluator,
): Promise<CaseOutcome[]> {
  const evaluators = new Map<unknown, (testCase: EvaluationCase) => CheckedResult | Promise<CheckedResult>>();
  const outcomes: CaseOutcome[] = [];
  for (const testCase of file.cases) {
    const named = typeof testCase.snapshot === 'string' && Object.hasOwn(file.snapshots, testCase.snapshot);
    const snapshot = named ? file.snapshots[testCase.snapshot as string] : testCase.snapshot;
    let evaluate = evaluators.get(snapshot);
    try {
      if (evaluate === undefined) {
        evaluate = evaluator(snapshot);
        evaluators.set(snapshot, evaluate);
      }
      const actual = await evaluate(testCase);
      const mismatches = compare(testCase.expected, actual);
      outcomes.push({ name: testCase.name, passed: mismatches.length === 0, mismatches, expected: testCase.expected, actual });
    } catch (error) {
      const message = `threw: ${error instanceof Error ? error.message : String(error)}`;
      outcomes.push({ name: testCase.name, passed: false, mismatches: [message], expected: testCase.expected, actual: undefined });
    }
  }
  return outcomes;
}

/**
 * Checks the file's worked bucketing examples against a bucketing function (by default this
 * package's) and returns the descriptions of those that differ.
 *
 * @example
 * checkBucketExamples(file); // [] when every example agrees
 */
export function checkBucketExamples(
  file: EvaluationCasesFile, bucket: (featureKey: string, salt: string, value: string) => number = bucketOf,
): string[] {
  const failures: string[] = [];
  for (const example of file.buckets) {
    const actual = bucket(example.featureKey, example.salt, example.value);
    if (actual !== example.bucket) failures.push(`${example.input}: expected bucket ${example.bucket}, got ${actual}`);
    if (bucket === bucketOf && murmur3(example.input) !== example.hash) failures.push(`${example.input}: expected hash ${example.hash}`);
    if (example.bucket !== example.hash % BUCKET_SCALE) failures.push(`${example.input}: bucket is not hash mod ${BUCKET_SCALE}`);
  }
  return failures;
}
