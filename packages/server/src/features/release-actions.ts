import type { FeatureEnvironmentConfig, Rule } from '@gantry/core';

/** What a release asks for; `configure` replaces the whole configuration. */
export type ReleaseRequest =
  | { action: 'on' }
  | { action: 'off' }
  | { action: 'kill' }
  | { action: 'percent'; percent: number }
  | { action: 'segment'; segment: string }
  | { action: 'configure'; config: FeatureEnvironmentConfig };

export interface Variations {
  on: number;
  off: number;
}

/** Weights are out of 100,000: 0.001 % steps. */
export const percentToWeight = (percent: number) => Math.round(percent * 1000);

/**
 * The configuration a release produces from the current one. A percentage rollout always lists
 * the `on` slice first, so raising the percentage only adds users (the bucket ranges grow from 0).
 */
export function applyRequest(current: FeatureEnvironmentConfig, v: Variations, request: ReleaseRequest): FeatureEnvironmentConfig {
  switch (request.action) {
    case 'on':
      return { ...current, on: true };
    case 'off':
    case 'kill':
      return { ...current, on: false };
    case 'percent': {
      const weight = percentToWeight(request.percent);
      const fallthrough = weight >= 100_000 ? { variation: v.on } : weight <= 0 ? { variation: v.off }
        : { rollout: { variations: [{ variation: v.on, weight }, { variation: v.off, weight: 100_000 - weight }] } };
      return { ...current, on: true, fallthrough };
    }
    case 'segment': {
      const id = `segment-${request.segment}`;
      const rule: Rule = { id, clauses: [{ operator: 'segmentMatch', values: [request.segment] }], serve: { variation: v.on } };
      const rules = [rule, ...(current.rules ?? []).filter((r) => r.id !== id)];
      // Releasing a feature that was off to a segment must not release it to everyone else too.
      return { ...current, on: true, rules, ...(current.on ? {} : { fallthrough: { variation: v.off } }) };
    }
    case 'configure':
      return request.config;
  }
}

/** A sentence for the release log, in the vocabulary people use: who sees the feature now. */
export function describeRequest(request: ReleaseRequest): string {
  switch (request.action) {
    case 'on': return 'turned on';
    case 'off': return 'turned off';
    case 'kill': return 'killed (turned off at once)';
    case 'percent': return `rolled out to ${request.percent} % of users`;
    case 'segment': return `released to segment ${request.segment}`;
    case 'configure': return 'configuration replaced';
  }
}

export function defaultConfig(v: Variations): FeatureEnvironmentConfig {
  return { on: false, offVariation: v.off, targets: [], rules: [], fallthrough: { variation: v.on }, prerequisites: [] };
}

/** A short description of who sees the feature under a configuration, for lists and the matrix. */
export function audienceOf(config: FeatureEnvironmentConfig, v: Variations): string {
  if (!config.on) return 'off';
  const parts: string[] = [];
  const segments = (config.rules ?? []).flatMap((r) => r.clauses.filter((c) => c.operator === 'segmentMatch').flatMap((c) => c.values));
  if (segments.length) parts.push(`segments ${segments.join(', ')}`);
  if ((config.rules ?? []).length > segments.length) parts.push('rules');
  const targets = (config.targets ?? []).reduce((n, t) => n + t.values.length, 0);
  if (targets) parts.push(`${targets} targets`);
  const f = config.fallthrough;
  if ('variation' in f) {
    if (f.variation === v.on) parts.push('everyone');
    else if (f.variation !== v.off) parts.push(`variation ${f.variation} by default`);
    else if (parts.length === 0) parts.push('nobody');
  }
  else {
    const on = f.rollout.variations.find((w) => w.variation === v.on)?.weight ?? 0;
    parts.push(`${on / 1000} %`);
  }
  return parts.join(' + ');
}
