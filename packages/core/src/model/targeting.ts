/**
 * How a feature is served in one environment: on/off, individual targets, ordered rules, the
 * fallthrough and prerequisites. Variations are referred to by their index in the feature's
 * `variations`.
 */

/** Operators a clause can apply to a context attribute. */
export type Operator =
  | 'in'
  | 'notIn'
  | 'startsWith'
  | 'endsWith'
  | 'contains'
  | 'matches'
  | 'lt'
  | 'lte'
  | 'gt'
  | 'gte'
  | 'semverEq'
  | 'semverLt'
  | 'semverGt'
  | 'before'
  | 'after'
  | 'segmentMatch';

/**
 * Every operator, in a stable order.
 *
 * @example
 * OPERATORS.includes('semverGt'); // true
 */
export const OPERATORS: readonly Operator[] = Object.freeze([
  'in', 'notIn', 'startsWith', 'endsWith', 'contains', 'matches',
  'lt', 'lte', 'gt', 'gte', 'semverEq', 'semverLt', 'semverGt', 'before', 'after', 'segmentMatch',
] as const);

/** A value a clause compares against. */
export type ClauseValue = string | number | boolean;

/**
 * A test on one context attribute. It matches when the attribute matches any of `values`
 * (for an array attribute: when any element does). `negate` inverts the result, except that a
 * missing attribute never matches, negated or not.
 *
 * @example
 * const clause: AttributeClause = { attribute: 'country', operator: 'in', values: ['NL', 'BE'] };
 */
export interface AttributeClause {
  readonly attribute: string;
  readonly operator: Exclude<Operator, 'segmentMatch'>;
  readonly values: readonly ClauseValue[];
  readonly negate?: boolean;
}

/**
 * Matches when the context belongs to any of the named segments (`negate`: to none of them).
 *
 * @example
 * const clause: SegmentClause = { operator: 'segmentMatch', values: ['beta-testers'] };
 */
export interface SegmentClause {
  readonly operator: 'segmentMatch';
  readonly values: readonly string[];
  readonly negate?: boolean;
}

/** A clause of a rule or a segment rule. */
export type Clause = AttributeClause | SegmentClause;

/** One slice of a percentage rollout: `weight` out of 100,000 goes to `variation`. */
export interface WeightedVariation {
  readonly variation: number;
  readonly weight: number;
}

/**
 * A percentage rollout. Weights are out of 100,000 (steps of 0.001 %) and sum to exactly
 * 100,000. The bucket comes from `bucketBy` (default `targetingKey`).
 *
 * @example
 * const rollout: Rollout = { variations: [{ variation: 0, weight: 25_000 }, { variation: 1, weight: 75_000 }] };
 */
export interface Rollout {
  readonly variations: readonly WeightedVariation[];
  readonly bucketBy?: string;
}

/**
 * What a rule or the fallthrough serves: one variation, or a percentage rollout.
 *
 * @example
 * const fixed: Serve = { variation: 0 };
 * const split: Serve = { rollout: { variations: [{ variation: 0, weight: 5_000 }, { variation: 1, weight: 95_000 }] } };
 */
export type Serve = { readonly variation: number } | { readonly rollout: Rollout };

/**
 * A targeting rule: every clause must match; the first matching rule in order decides.
 *
 * @example
 * const rule: Rule = {
 *   id: 'premium-nl',
 *   clauses: [
 *     { attribute: 'country', operator: 'in', values: ['NL'] },
 *     { operator: 'segmentMatch', values: ['premium-customers'] },
 *   ],
 *   serve: { variation: 0 },
 * };
 */
export interface Rule {
  readonly id?: string;
  readonly description?: string;
  readonly clauses: readonly Clause[];
  readonly serve: Serve;
}

/** Individual targets: these context keys (`targetingKey`) get `variation`. */
export interface Target {
  readonly variation: number;
  readonly values: readonly string[];
}

/** Another feature must be on and serve `variation` (an index into its variations). */
export interface Prerequisite {
  readonly feature: string;
  readonly variation: number;
}

/**
 * A feature's configuration in one environment.
 *
 * @example
 * const config: FeatureEnvironmentConfig = {
 *   on: true,
 *   offVariation: 1,
 *   targets: [{ variation: 0, values: ['user-qa-1'] }],
 *   rules: [{ clauses: [{ operator: 'segmentMatch', values: ['staff'] }], serve: { variation: 0 } }],
 *   fallthrough: { rollout: { variations: [{ variation: 0, weight: 25_000 }, { variation: 1, weight: 75_000 }] } },
 *   prerequisites: [],
 * };
 */
export interface FeatureEnvironmentConfig {
  readonly on: boolean;
  readonly offVariation: number;
  readonly targets?: readonly Target[];
  readonly rules?: readonly Rule[];
  readonly fallthrough: Serve;
  readonly prerequisites?: readonly Prerequisite[];
}
