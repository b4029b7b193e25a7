import type { EnvironmentSnapshot, SnapshotFeature } from '../model/snapshot.js';
import type { Segment } from '../model/segment.js';
import { isRecord } from '../validation/problem.js';
import type { Problem } from '../validation/problem.js';
import { inspectSnapshot } from '../validation/validate-snapshot.js';
import type { SegmentMatcher } from './compiled-clause.js';
import type { CompiledFeature } from './compiled-feature.js';
import { compileSegment } from './compiled-segment.js';
import type { CompiledSegment } from './compiled-segment.js';
import { SnapshotEvaluator } from './compiled-snapshot.js';
import type { CompiledSnapshot } from './compiled-snapshot.js';
import { brokenFeature, compileFeature } from './compile-feature.js';

function entries(value: unknown): [string, unknown][] {
  return isRecord(value) ? Object.entries(value) : [];
}

function firstProblem(problems: readonly Problem[]): string {
  const first = problems[0]!;
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
  return `${first.path}: ${first.message}${more}`;
}

/** Segment keys that a feature's rules refer to. */
function referencedSegments(feature: SnapshotFeature): string[] {
  const keys: string[] = [];
  for (const rule of feature.rules ?? []) {
    for (const clause of rule.clauses) if (clause.operator === 'segmentMatch') keys.push(...clause.values);
  }
  return keys;
}

/**
 * Compiles a snapshot once into closures and lookup tables, for fast evaluation. Never throws:
 * a broken feature (or one that uses a broken segment, or sits in a prerequisite cycle)
 * evaluates to `PARSE_ERROR` while every other feature keeps working; a snapshot that is not
 * an object compiles to an empty one. The problems found are in `problems`.
 *
 * @example
 * const engine = compileSnapshot(snapshot);
 * const { value, reason } = engine.evaluateBoolean('new-checkout', { targetingKey: 'user-123', plan: 'premium' }, false);
 */
export function compileSnapshot(snapshot: EnvironmentSnapshot): CompiledSnapshot {
  try {
    return compile(snapshot);
  } catch (error) {
    let message = 'unknown error';
    try {
      message = error instanceof Error ? String(error.message) : String(error);
    } catch {
      // keep the generic message
    }
    return new SnapshotEvaluator('', 0, [{ path: '', message: `could not be read: ${message}` }], new Map());
  }
}

function compile(input: unknown): CompiledSnapshot {
  const inspection = inspectSnapshot(input);
  const problems: Problem[] = [...inspection.envelope];
  const record = isRecord(input) ? input : {};
  const environment = typeof record['environment'] === 'string' ? record['environment'] : '';
  const revision = typeof record['revision'] === 'number' && Number.isSafeInteger(record['revision']) ? record['revision'] : 0;

  const segments = new Map<string, CompiledSegment>();
  const brokenSegments = new Set<string>();
  for (const [key, segment] of entries(record['segments'])) {
    const segmentProblems = inspection.segments.get(key) ?? [];
    problems.push(...segmentProblems);
    if (segmentProblems.length > 0) brokenSegments.add(key);
    else segments.set(key, compileSegment(segment as Segment));
  }
  const segment = (key: string): SegmentMatcher => segments.get(key)!;

  const features = new Map<string, CompiledFeature>();
  for (const [key, value] of entries(record['features'])) {
    const featureProblems = inspection.features.get(key) ?? [];
    problems.push(...featureProblems);
    if (featureProblems.length > 0) {
      features.set(key, brokenFeature(key, `feature ${JSON.stringify(key)} is invalid: ${firstProblem(featureProblems)}`));
      continue;
    }
    const feature = value as SnapshotFeature;
    const badSegment = referencedSegments(feature).find((s) => brokenSegments.has(s));
    if (badSegment !== undefined) {
      features.set(key, brokenFeature(key, `feature ${JSON.stringify(key)} uses segment ${JSON.stringify(badSegment)}, which is invalid`));
      continue;
    }
    try {
      features.set(key, compileFeature(feature, segment));
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      features.set(key, brokenFeature(key, `feature ${JSON.stringify(key)} could not be compiled: ${message}`));
    }
  }
  for (const feature of features.values()) {
    for (const prerequisite of feature.prerequisites) prerequisite.feature = features.get(prerequisite.featureKey);
  }
  return new SnapshotEvaluator(environment, revision, problems, features);
}
