import { childPath, describe, isRecord, ProblemCollector } from './problem.js';
import type { Problem } from './problem.js';
import { findPrerequisiteCycles } from './prerequisite-cycles.js';
import type { PrerequisiteNode } from './prerequisite-cycles.js';
import { collectConfigProblems, collectDefinitionProblems } from './validate-feature.js';
import type { EnvironmentReferences } from './validate-feature.js';
import { collectSegmentProblems } from './validate-segment.js';

/** Problems of a snapshot, grouped so that one broken feature or segment can be isolated. */
export interface SnapshotInspection {
  /** Problems with the snapshot itself (not an object, bad revision, …). */
  readonly envelope: readonly Problem[];
  readonly features: ReadonlyMap<string, readonly Problem[]>;
  readonly segments: ReadonlyMap<string, readonly Problem[]>;
}

function entriesOf(snapshot: Record<string, unknown>, field: string, out: ProblemCollector): [string, unknown][] {
  const value = snapshot[field];
  if (!isRecord(value)) {
    out.add(`/${field}`, `must be an object keyed by ${field === 'features' ? 'feature' : 'segment'} key, got ${describe(value)}`);
    return [];
  }
  return Object.entries(value);
}

function checkMapKey(key: string, item: unknown, path: string, out: ProblemCollector): void {
  if (isRecord(item) && typeof item['key'] === 'string' && item['key'] !== key) {
    out.add(childPath(path, 'key'), `must equal its key in the snapshot, ${JSON.stringify(key)}`);
  }
}

/**
 * Checks a snapshot and groups the problems by feature and segment. Used by `validateSnapshot`,
 * and by `compileSnapshot` to isolate broken features.
 */
export function inspectSnapshot(input: unknown): SnapshotInspection {
  const envelope = new ProblemCollector();
  const features = new Map<string, Problem[]>();
  const segments = new Map<string, Problem[]>();
  if (!isRecord(input)) {
    envelope.add('', `a snapshot must be an object, got ${describe(input)}`);
    return { envelope: envelope.problems, features, segments };
  }
  const environment = input['environment'];
  if (typeof environment !== 'string' || environment.length === 0) {
    envelope.add('/environment', `must be a non-empty string, got ${describe(environment)}`);
  }
  const revision = input['revision'];
  if (typeof revision !== 'number' || !Number.isSafeInteger(revision) || revision < 0) {
    envelope.add('/revision', `must be a non-negative integer, got ${describe(revision)}`);
  }
  const segmentEntries = entriesOf(input, 'segments', envelope);
  const featureEntries = entriesOf(input, 'features', envelope);

  for (const [key, segment] of segmentEntries) {
    const out = new ProblemCollector();
    const path = childPath('/segments', key);
    collectSegmentProblems(segment, path, out);
    checkMapKey(key, segment, path, out);
    segments.set(key, out.problems);
  }
  const variationCounts = new Map<string, number>();
  const graph: Record<string, PrerequisiteNode> = {};
  for (const [key, feature] of featureEntries) {
    if (!isRecord(feature)) continue;
    const variations = feature['variations'];
    if (Array.isArray(variations)) variationCounts.set(key, variations.length);
    const prerequisites = feature['prerequisites'];
    graph[key] = { prerequisites: Array.isArray(prerequisites) ? prerequisites : [] };
  }
  const refs: EnvironmentReferences = { segments: new Set(segments.keys()), variationCounts };
  for (const [key, feature] of featureEntries) {
    const out = new ProblemCollector();
    const path = childPath('/features', key);
    if (!isRecord(feature)) {
      out.add(path, `a feature must be an object, got ${describe(feature)}`);
    } else {
      const count = collectDefinitionProblems(feature, path, out, false);
      collectConfigProblems(feature, path, out, count, key, refs);
      checkMapKey(key, feature, path, out);
    }
    features.set(key, out.problems);
  }
  for (const cycle of findPrerequisiteCycles(graph)) {
    if (cycle.length === 1) continue; // reported above: "a feature cannot be its own prerequisite"
    const description = [...cycle, cycle[0]].join(' → ');
    for (const key of cycle) {
      features.get(key)?.push({ path: childPath(childPath('/features', key), 'prerequisites'), message: `prerequisite cycle: ${description}` });
    }
  }
  return { envelope: envelope.problems, features, segments };
}

/**
 * Every problem with a snapshot, as JSON Pointers into it: type and shape errors, variation
 * values of the wrong type, unknown variation indexes, rollout weights that do not sum to
 * 100,000, dangerous regular expressions, unknown segments or prerequisites, prerequisite
 * cycles. An empty list means the snapshot is valid. Never throws.
 *
 * @example
 * validateSnapshot({ environment: 'production', revision: 1, features: {}, segments: {} }); // []
 * validateSnapshot({ environment: '', revision: -1, features: {}, segments: {} });
 * // [{ path: '/environment', message: 'must be a non-empty string, got the string ""' },
 * //  { path: '/revision', message: 'must be a non-negative integer, got number -1' }]
 */
export function validateSnapshot(input: unknown): Problem[] {
  try {
    const inspection = inspectSnapshot(input);
    const problems = [...inspection.envelope];
    for (const list of inspection.segments.values()) problems.push(...list);
    for (const list of inspection.features.values()) problems.push(...list);
    return problems;
  } catch (error) {
    return [{ path: '', message: `could not be validated: ${error instanceof Error ? error.message : String(error)}` }];
  }
}
