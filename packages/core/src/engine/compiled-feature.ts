import type { FeatureType } from '../model/feature.js';
import type { EvaluationContext } from '../model/context.js';
import type { EvaluationResult } from '../model/result.js';
import { matchAll } from './compiled-clause.js';
import type { CompiledClause } from './compiled-clause.js';
import { serveFor } from './compiled-serve.js';
import type { CompiledServe } from './compiled-serve.js';

/** A rule prepared for evaluation. */
export class CompiledRule {
  constructor(readonly clauses: readonly CompiledClause[], readonly serve: CompiledServe) {}
}

/** A prerequisite prepared for evaluation: the feature it needs (linked after compilation) and what to serve when unmet. */
export class CompiledPrerequisite {
  constructor(
    readonly featureKey: string,
    readonly variation: number,
    readonly failed: EvaluationResult,
    public feature: CompiledFeature | undefined,
  ) {}
}

/**
 * A feature prepared for evaluation. A feature with problems is `broken`: every evaluation of it
 * returns that `PARSE_ERROR` result.
 */
export class CompiledFeature {
  constructor(
    readonly key: string,
    readonly type: FeatureType | undefined,
    readonly broken: EvaluationResult | undefined,
    readonly on: boolean,
    readonly offResult: EvaluationResult | undefined,
    readonly targets: ReadonlyMap<string, EvaluationResult> | undefined,
    readonly prerequisites: readonly CompiledPrerequisite[],
    readonly rules: readonly CompiledRule[],
    readonly fallthrough: CompiledServe | undefined,
  ) {}
}

/**
 * Evaluates a compiled feature. Returns a shared, frozen result; error results are templates
 * whose `value` the caller replaces with its default.
 */
export function evaluateFeature(feature: CompiledFeature, context: EvaluationContext): EvaluationResult {
  if (feature.broken !== undefined) return feature.broken;
  if (!feature.on) return feature.offResult!;
  const prerequisites = feature.prerequisites;
  for (let i = 0; i < prerequisites.length; i++) {
    const prerequisite = prerequisites[i]!;
    if (!prerequisiteMet(prerequisite, context)) return prerequisite.failed;
  }
  const targets = feature.targets;
  if (targets !== undefined) {
    const key = context.targetingKey;
    if (typeof key === 'string') {
      const targeted = targets.get(key);
      if (targeted !== undefined) return targeted;
    }
  }
  const rules = feature.rules;
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i]!;
    if (matchAll(rule.clauses, context)) return serveFor(rule.serve, context);
  }
  return serveFor(feature.fallthrough!, context);
}

/** A prerequisite is met when its feature is on, its own prerequisites are met, and it serves the required variation. */
function prerequisiteMet(prerequisite: CompiledPrerequisite, context: EvaluationContext): boolean {
  if (prerequisite.feature === undefined) return false;
  const result = evaluateFeature(prerequisite.feature, context);
  return result.errorCode === undefined && result.reason !== 'DISABLED' && result.variationIndex === prerequisite.variation;
}
