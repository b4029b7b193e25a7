import { FEATURE_KINDS } from '../model/feature.js';
import { childPath, checkString, checkVariationIndex, describe, isRecord, optionalArray, ProblemCollector } from './problem.js';
import type { Problem } from './problem.js';
import { validateClause } from './validate-clause.js';
import { validateServe } from './validate-serve.js';
import { collectVariationProblems } from './validate-variations.js';

/**
 * What the rest of an environment looks like, for checking references: which segments exist,
 * and how many variations each other feature has (for prerequisites).
 */
export interface EnvironmentReferences {
  readonly segments: ReadonlySet<string>;
  readonly variationCounts: ReadonlyMap<string, number>;
}

/** Checks the definition fields of a feature; returns its variation count when usable. */
export function collectDefinitionProblems(
  feature: Record<string, unknown>, path: string, out: ProblemCollector, metadataRequired: boolean,
): number | undefined {
  checkString(feature, 'key', path, out, { key: true });
  checkString(feature, 'description', path, out, { optional: !metadataRequired });
  checkString(feature, 'owner', path, out, { optional: !metadataRequired });
  checkString(feature, 'salt', path, out, { maxLength: 128 });
  const kind = feature['kind'];
  if (typeof kind !== 'string' || !(FEATURE_KINDS as readonly string[]).includes(kind)) {
    out.add(childPath(path, 'kind'), `must be one of ${FEATURE_KINDS.join(', ')}, got ${describe(kind)}`);
  }
  return collectVariationProblems(feature, path, out);
}

function collectTargetProblems(config: Record<string, unknown>, path: string, out: ProblemCollector, count: number): void {
  const targets = optionalArray(config, 'targets', path, out);
  const seen = new Set<string>();
  targets?.forEach((target, index) => {
    const targetPath = childPath(childPath(path, 'targets'), index);
    if (!isRecord(target)) {
      out.add(targetPath, `a target must be an object { variation, values }, got ${describe(target)}`);
      return;
    }
    checkVariationIndex(target['variation'], childPath(targetPath, 'variation'), out, count);
    const values = target['values'];
    if (!Array.isArray(values)) {
      out.add(childPath(targetPath, 'values'), `must be an array of context keys, got ${describe(values)}`);
      return;
    }
    values.forEach((value: unknown, valueIndex) => {
      const valuePath = childPath(childPath(targetPath, 'values'), valueIndex);
      if (typeof value !== 'string' || value.length === 0) out.add(valuePath, `must be a non-empty context key, got ${describe(value)}`);
      else if (seen.has(value)) out.add(valuePath, `context key ${JSON.stringify(value)} is targeted twice`);
      else seen.add(value);
    });
  });
}

function collectRuleProblems(
  config: Record<string, unknown>, path: string, out: ProblemCollector, count: number, refs: EnvironmentReferences,
): void {
  const rules = optionalArray(config, 'rules', path, out);
  const ids = new Set<string>();
  rules?.forEach((rule, index) => {
    const rulePath = childPath(childPath(path, 'rules'), index);
    if (!isRecord(rule)) {
      out.add(rulePath, `a rule must be an object { clauses, serve }, got ${describe(rule)}`);
      return;
    }
    const id = checkString(rule, 'id', rulePath, out, { optional: true, maxLength: 128 });
    if (id !== undefined) {
      if (ids.has(id)) out.add(childPath(rulePath, 'id'), `duplicate rule id ${JSON.stringify(id)}`);
      ids.add(id);
    }
    checkString(rule, 'description', rulePath, out, { optional: true });
    const clauses = rule['clauses'];
    if (!Array.isArray(clauses) || clauses.length === 0) {
      out.add(childPath(rulePath, 'clauses'), `must be a non-empty array, got ${describe(clauses)}`);
    } else {
      clauses.forEach((clause, clauseIndex) => {
        validateClause(clause, childPath(childPath(rulePath, 'clauses'), clauseIndex), out, { segments: refs.segments });
      });
    }
    validateServe(rule['serve'], childPath(rulePath, 'serve'), out, count);
  });
}

function collectPrerequisiteProblems(
  config: Record<string, unknown>, path: string, out: ProblemCollector, selfKey: unknown, refs: EnvironmentReferences,
): void {
  const prerequisites = optionalArray(config, 'prerequisites', path, out);
  const seen = new Set<string>();
  prerequisites?.forEach((prerequisite, index) => {
    const prerequisitePath = childPath(childPath(path, 'prerequisites'), index);
    if (!isRecord(prerequisite)) {
      out.add(prerequisitePath, `a prerequisite must be an object { feature, variation }, got ${describe(prerequisite)}`);
      return;
    }
    const feature = prerequisite['feature'];
    const featurePath = childPath(prerequisitePath, 'feature');
    if (typeof feature !== 'string') {
      out.add(featurePath, `must be a feature key, got ${describe(feature)}`);
      return;
    }
    if (feature === selfKey) {
      out.add(featurePath, 'a feature cannot be its own prerequisite');
      return;
    }
    if (seen.has(feature)) out.add(featurePath, `feature ${JSON.stringify(feature)} is a prerequisite twice`);
    seen.add(feature);
    const count = refs.variationCounts.get(feature);
    if (count === undefined) {
      out.add(featurePath, `unknown feature ${JSON.stringify(feature)}`);
      return;
    }
    checkVariationIndex(prerequisite['variation'], childPath(prerequisitePath, 'variation'), out, count);
  });
}

/** Checks the environment-configuration fields of a feature with `count` variations. */
export function collectConfigProblems(
  config: Record<string, unknown>, path: string, out: ProblemCollector, count: number | undefined,
  selfKey: unknown, refs: EnvironmentReferences,
): void {
  if (typeof config['on'] !== 'boolean') out.add(childPath(path, 'on'), `must be a boolean, got ${describe(config['on'])}`);
  // Without a usable variation list, indexes cannot be checked; a huge count keeps the rest of the checks meaningful.
  const variationCount = count ?? Number.MAX_SAFE_INTEGER;
  checkVariationIndex(config['offVariation'], childPath(path, 'offVariation'), out, variationCount);
  collectTargetProblems(config, path, out, variationCount);
  collectRuleProblems(config, path, out, variationCount, refs);
  validateServe(config['fallthrough'], childPath(path, 'fallthrough'), out, variationCount);
  collectPrerequisiteProblems(config, path, out, selfKey, refs);
}

/**
 * Problems with a feature definition, with paths relative to it.
 *
 * @example
 * validateFeatureDefinition({ key: 'dark-mode', description: '', owner: 'web', kind: 'release',
 *   type: 'boolean', salt: 'x1', variations: [{ key: 'on', value: true }, { key: 'off', value: 'no' }] });
 * // [{ path: '/variations/1/value', message: 'must be a boolean for a boolean feature, got the string "no"' }]
 */
export function validateFeatureDefinition(definition: unknown): Problem[] {
  const out = new ProblemCollector();
  if (!isRecord(definition)) out.add('', `a feature must be an object, got ${describe(definition)}`);
  else collectDefinitionProblems(definition, '', out, true);
  return out.problems;
}

/**
 * Problems with a feature's configuration in one environment, given its definition and the
 * rest of the environment (segments, other features' variation counts for prerequisites).
 * Prerequisite cycles span features: find them with `validateSnapshot` or `findPrerequisiteCycles`.
 *
 * @example
 * validateFeatureConfig(
 *   { on: true, offVariation: 1, fallthrough: { variation: 2 } },
 *   { key: 'dark-mode', variations: [{ key: 'on', value: true }, { key: 'off', value: false }] },
 *   { segments: new Set(), variationCounts: new Map() },
 * );
 * // [{ path: '/fallthrough/variation', message: 'variation 2 does not exist (2 variations)' }]
 */
export function validateFeatureConfig(
  config: unknown,
  definition: { readonly key: string; readonly variations: readonly unknown[] },
  references: EnvironmentReferences,
): Problem[] {
  const out = new ProblemCollector();
  if (!isRecord(config)) out.add('', `a feature configuration must be an object, got ${describe(config)}`);
  else collectConfigProblems(config, '', out, definition.variations.length, definition.key, references);
  return out.problems;
}
