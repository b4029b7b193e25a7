import type { Variation } from '../model/feature.js';
import type { EvaluationReason, EvaluationResult, ResultMetadata } from '../model/result.js';
import type { SnapshotFeature } from '../model/snapshot.js';
import type { Rule } from '../model/targeting.js';
import { compileClause } from './compiled-clause.js';
import type { SegmentMatcher } from './compiled-clause.js';
import { CompiledFeature, CompiledPrerequisite, CompiledRule } from './compiled-feature.js';
import { compileServe } from './compiled-serve.js';
import { errorTemplate, frozenJsonCopy, makeResult } from './results.js';

/** Builds the frozen results of one feature, sharing those without metadata. */
class ResultFactory {
  readonly #variations: readonly Variation[];
  readonly #shared = new Map<string, EvaluationResult>();

  constructor(variations: readonly Variation[]) {
    this.#variations = variations.map((v) => ({ key: v.key, value: frozenJsonCopy(v.value) }));
  }

  result(variation: number, reason: EvaluationReason, metadata?: ResultMetadata): EvaluationResult {
    const cacheKey = `${reason}:${variation}`;
    const cached = metadata === undefined ? this.#shared.get(cacheKey) : undefined;
    if (cached !== undefined) return cached;
    const v = this.#variations[variation]!;
    const result = Object.freeze(makeResult(v.value, v.key, variation, reason, undefined, undefined, metadata));
    if (metadata === undefined) this.#shared.set(cacheKey, result);
    return result;
  }
}

function ruleMetadata(rule: Rule, index: number): ResultMetadata {
  const metadata: Record<string, string | number> = { ruleIndex: index };
  if (rule.id !== undefined) metadata['ruleId'] = rule.id;
  return Object.freeze(metadata);
}

/**
 * A feature that cannot be evaluated: every evaluation returns `PARSE_ERROR` with `message`.
 */
export function brokenFeature(key: string, message: string): CompiledFeature {
  return new CompiledFeature(key, undefined, errorTemplate('PARSE_ERROR', message), false, undefined, undefined, [], [], undefined);
}

/**
 * Compiles a validated feature. Prerequisites are linked to their features afterwards, once
 * every feature of the snapshot is compiled.
 */
export function compileFeature(source: SnapshotFeature, segment: (key: string) => SegmentMatcher): CompiledFeature {
  const results = new ResultFactory(source.variations);
  const targets = source.targets ?? [];
  const rules = source.rules ?? [];
  const prerequisites = source.prerequisites ?? [];
  const hasTargeting = targets.some((t) => t.values.length > 0) || rules.length > 0 || prerequisites.length > 0;
  const base = { featureKey: source.key, salt: source.salt };

  const targetMap = new Map<string, EvaluationResult>();
  for (const target of targets) {
    const result = results.result(target.variation, 'TARGETING_MATCH', Object.freeze({ targeted: true }));
    for (const key of target.values) targetMap.set(key, result);
  }
  const compiledRules = rules.map((rule, index) => {
    const metadata = ruleMetadata(rule, index);
    const serve = compileServe(rule.serve, {
      ...base,
      place: rule.id === undefined ? `rule ${index}` : `rule ${index} (${JSON.stringify(rule.id)})`,
      fixed: (variation) => results.result(variation, 'TARGETING_MATCH', metadata),
      split: (variation) => results.result(variation, 'SPLIT', metadata),
    });
    return new CompiledRule(rule.clauses.map((clause) => compileClause(clause, segment)), serve);
  });
  const fallthrough = compileServe(source.fallthrough, {
    ...base,
    place: 'the fallthrough',
    fixed: (variation) => results.result(variation, hasTargeting ? 'DEFAULT' : 'STATIC'),
    split: (variation) => results.result(variation, 'SPLIT'),
  });
  const compiledPrerequisites = prerequisites.map((p) => new CompiledPrerequisite(
    p.feature,
    p.variation,
    results.result(source.offVariation, 'DISABLED', Object.freeze({ prerequisiteFailed: p.feature })),
    undefined,
  ));
  return new CompiledFeature(
    source.key,
    source.type,
    undefined,
    source.on,
    results.result(source.offVariation, 'DISABLED'),
    targetMap.size > 0 ? targetMap : undefined,
    compiledPrerequisites,
    compiledRules,
    fallthrough,
  );
}
