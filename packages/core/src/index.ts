/**
 * @gantry/core — Gantry's flag evaluation engine: domain types, validation, bucketing and
 * evaluation. Zero dependencies; runs in Node and in browsers.
 */
export { FEATURE_KINDS, FEATURE_KIND_LIFETIMES } from './model/feature.js';
export type {
  FeatureDefinition, FeatureKind, FeatureKindLifetime, FeatureType, JsonValue, Variation, VariationValue,
} from './model/feature.js';
export { OPERATORS } from './model/targeting.js';
export type {
  AttributeClause, Clause, ClauseValue, FeatureEnvironmentConfig, Operator, Prerequisite, Rollout, Rule, SegmentClause,
  Serve, Target, WeightedVariation,
} from './model/targeting.js';
export type { Segment, SegmentRule } from './model/segment.js';
export type { EnvironmentSnapshot, SnapshotFeature } from './model/snapshot.js';
export type { EvaluationContext } from './model/context.js';
export type { ErrorCode, EvaluationReason, EvaluationResult, ResultMetadata } from './model/result.js';

export { murmur3, murmur3Continue, murmur3Prefix } from './hashing/murmur3.js';
export type { Murmur3State } from './hashing/murmur3.js';
export { BUCKET_SCALE, bucketOf, bucketingText } from './hashing/bucket.js';

export { compareSemVer, parseSemVer } from './operators/semver.js';
export type { SemVer } from './operators/semver.js';
export { parseIsoInstant, toInstant } from './operators/dates.js';
export { MAX_MATCH_INPUT_LENGTH, MAX_PATTERN_LENGTH, regexProblem } from './operators/safe-regex.js';

export { KEY_PATTERN } from './validation/problem.js';
export type { Problem } from './validation/problem.js';
export { FEATURE_TYPES, MAX_VARIATIONS, matchesFeatureType } from './validation/validate-variations.js';
export { validateFeatureConfig, validateFeatureDefinition } from './validation/validate-feature.js';
export type { EnvironmentReferences } from './validation/validate-feature.js';
export { validateSegment } from './validation/validate-segment.js';
export { validateSnapshot } from './validation/validate-snapshot.js';
export { findPrerequisiteCycles } from './validation/prerequisite-cycles.js';
export type { PrerequisiteNode } from './validation/prerequisite-cycles.js';
export { parseSnapshot } from './validation/parse-snapshot.js';
export type { ParseSnapshotResult } from './validation/parse-snapshot.js';

export { compileSnapshot } from './engine/compile-snapshot.js';
export type { CompiledSnapshot, JsonStructure } from './engine/compiled-snapshot.js';

export { checkBucketExamples, coreEvaluator, runEvaluationCases } from './test-vectors/evaluation-cases.js';
export type {
  BucketExample, CaseEvaluatorFactory, CaseOutcome, CheckedResult, EvaluationCase, EvaluationCasesFile, ExpectedResult,
} from './test-vectors/evaluation-cases.js';
