/**
 * Who or what a feature is evaluated for: a `targetingKey` plus any attributes. Attributes are
 * looked up by their top-level name; `targetingKey` is an attribute like any other.
 *
 * @example
 * const context: EvaluationContext = { targetingKey: 'user-123', plan: 'premium', country: 'NL', appVersion: '2.4.0' };
 */
export interface EvaluationContext {
  readonly targetingKey?: string;
  readonly [attribute: string]: unknown;
}
