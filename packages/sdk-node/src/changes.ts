import type { EnvironmentSnapshot, SnapshotFeature } from '@gantry/core';

type Entries = Readonly<Record<string, unknown>>;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Keys whose entry differs between two maps (added, removed or changed). */
export function differentKeys(before: unknown, after: unknown): Set<string> {
  const a: Entries = isRecord(before) ? before : {};
  const b: Entries = isRecord(after) ? after : {};
  const keys = new Set<string>();
  for (const key of Object.keys(b)) {
    if (!Object.hasOwn(a, key) || JSON.stringify(a[key]) !== JSON.stringify(b[key])) keys.add(key);
  }
  for (const key of Object.keys(a)) if (!Object.hasOwn(b, key)) keys.add(key);
  return keys;
}

function segmentsUsed(feature: unknown): string[] {
  if (!isRecord(feature) || !Array.isArray(feature['rules'])) return [];
  const used: string[] = [];
  for (const rule of feature['rules'] as unknown[]) {
    if (!isRecord(rule) || !Array.isArray(rule['clauses'])) continue;
    for (const clause of rule['clauses'] as unknown[]) {
      if (isRecord(clause) && clause['operator'] === 'segmentMatch' && Array.isArray(clause['values'])) {
        for (const value of clause['values']) if (typeof value === 'string') used.push(value);
      }
    }
  }
  return used;
}

function prerequisitesOf(feature: unknown): string[] {
  if (!isRecord(feature) || !Array.isArray(feature['prerequisites'])) return [];
  return (feature['prerequisites'] as unknown[]).flatMap((p) => (isRecord(p) && typeof p['feature'] === 'string' ? [p['feature']] : []));
}

/**
 * The features whose evaluation may have changed: those changed themselves, those whose rules
 * use a changed segment, and, transitively, those that require any of them. Sorted.
 */
export function affectedFeatures(
  next: Pick<EnvironmentSnapshot, 'features'> | undefined, changedFeatures: Iterable<string>, changedSegments: Iterable<string>,
): string[] {
  const features: Readonly<Record<string, SnapshotFeature | unknown>> = isRecord(next?.features) ? next.features : {};
  const affected = new Set(changedFeatures);
  const segments = new Set(changedSegments);
  if (segments.size > 0) {
    for (const [key, feature] of Object.entries(features)) {
      if (segmentsUsed(feature).some((s) => segments.has(s))) affected.add(key);
    }
  }
  // Dependents of changed features, to a fixed point (cycles are harmless here).
  let grew = affected.size > 0;
  while (grew) {
    grew = false;
    for (const [key, feature] of Object.entries(features)) {
      if (!affected.has(key) && prerequisitesOf(feature).some((p) => affected.has(p))) {
        affected.add(key);
        grew = true;
      }
    }
  }
  return [...affected].sort();
}
