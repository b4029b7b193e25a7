import type { Placement } from '../agents/placement.js';
import type { AnalysisSpec, RunSpec } from '../runspecs/schema.js';
import { rollingSettings } from '../runspecs/service.js';

/** One step of a deployment plan. The controller enters each step once, then checks it until it is done or fails. */
export type Step =
  | { type: 'start'; recreate?: boolean }
  | { type: 'weight'; weight: number }
  | { type: 'pause'; durationMs?: number }
  | { type: 'analysis'; spec: Required<Omit<AnalysisSpec, 'maxLatencyP99Ms'>> & { maxLatencyP99Ms?: number } }
  | { type: 'verify'; command: string; timeoutMs: number }
  | { type: 'switch' }
  | { type: 'switchBack' }
  | { type: 'retire'; keepWarmMs: number }
  /**
   * A rolling batch: every target ends with the new version alone. `inPlace` (a subset of
   * `targets`; absent in plans stored before it existed) are replaced in place — the old version
   * leaves first, then the new one starts; the other targets surge — the new version starts beside
   * the old one, which leaves once the new one is healthy there.
   */
  | { type: 'batch'; targets: string[]; index: number; of: number; inPlace?: string[] }
  | { type: 'script'; phase: 'deploy' | 'verify' | 'switch'; command: string; timeoutMs: number };

export interface Plan {
  steps: Step[];
  /** The placement before this deployment touched it: what a rollback restores. */
  previous: Placement | null;
  /** The step currently entered (its side effects applied), or -1. */
  entered: number;
  /** A person promoted the paused step with this index. */
  promoted?: number;
  /** How many windows the current analysis has waited for enough data. */
  waits?: number;
  /**
   * Progress of the rolling batch at `step` (epoch ms): when the old version was taken off its
   * surge targets, and when the new version was placed on its in-place targets.
   */
  batch?: { step: number; retiredAt?: number; placedAt?: number };
  /** Plans stored before `batch`: the batch step whose old version had left its targets. */
  phase?: number;
}

export const analysisDefaults = { windowMs: 30_000, minRequests: 20, maxErrorRate: 0.05, maxErrorRateIncrease: 0.02, noData: 'wait' } as const;

export function analysisStep(spec: RunSpec, overrides: AnalysisSpec = {}): Step {
  return { type: 'analysis', spec: { ...analysisDefaults, ...spec.analysis, ...overrides } };
}

/** The stable version: the one with the most traffic in the current placement. */
export function stableVersion(placement: Placement | null | undefined): string | undefined {
  if (!placement || placement.routes.versions.length === 0) return placement?.versions[0]?.version;
  return [...placement.routes.versions].sort((a, b) => b.weight - a.weight)[0]?.version;
}

/**
 * Rolling batches over the agents, in their order: each takes up to `maxSurge` surge targets, then
 * up to `maxUnavailable` in-place targets (a short last batch is surge first: it keeps capacity).
 */
export function rollingBatches(agents: string[], settings: { maxSurge: number; maxUnavailable: number }): Extract<Step, { type: 'batch' }>[] {
  const size = settings.maxSurge + settings.maxUnavailable;
  const chunks: string[][] = [];
  for (let i = 0; i < agents.length; i += size) chunks.push(agents.slice(i, i + size));
  return chunks.map((targets, index) => ({ type: 'batch', targets, index, of: chunks.length, inPlace: targets.slice(settings.maxSurge) }));
}

export interface PlanInput {
  strategy: string;
  driver: string;
  kind: 'deploy' | 'rollback';
  version: string;
  spec: RunSpec;
  previous: Placement | null;
  /** Agent ids of the environment, for rolling batches. */
  agents: string[];
}

export function buildPlan(input: PlanInput): Plan {
  const { spec, previous } = input;
  const stable = stableVersion(previous);
  const hasStable = stable !== undefined && stable !== input.version;
  const steps: Step[] = [];
  const verify = spec.verify ? [{ type: 'verify', command: spec.verify.command, timeoutMs: spec.verify.timeoutMs ?? 300_000 } as const] : [];

  if (input.driver === 'script') {
    const s = spec.scripts!;
    const timeoutMs = s.timeoutMs ?? 600_000;
    steps.push({ type: 'script', phase: 'deploy', command: s.deploy, timeoutMs });
    if (s.verify) steps.push({ type: 'script', phase: 'verify', command: s.verify, timeoutMs });
    if (s.switch) steps.push({ type: 'script', phase: 'switch', command: s.switch, timeoutMs });
    return { steps, previous, entered: -1 };
  }

  if (input.kind === 'rollback') {
    // While the version rolled back to is still warm, a rollback is only a route switch.
    if (previous?.warm?.version === input.version && new Date(previous.warm.until).getTime() > Date.now()) {
      return { steps: [{ type: 'switchBack' }, { type: 'retire', keepWarmMs: 0 }], previous, entered: -1 };
    }
    return { steps: [{ type: 'start' }, { type: 'switch' }, { type: 'retire', keepWarmMs: 0 }], previous, entered: -1 };
  }

  if (!hasStable || input.strategy === 'recreate') {
    steps.push({ type: 'start', recreate: true }, ...verify);
    return { steps, previous, entered: -1 };
  }
  switch (input.strategy) {
    case 'blue-green':
      steps.push({ type: 'start' }, ...verify, { type: 'switch' }, { type: 'retire', keepWarmMs: spec.blueGreen?.keepWarmMs ?? 300_000 });
      break;
    case 'canary': {
      steps.push({ type: 'start' }, ...verify);
      const canary = spec.canary?.steps ?? [{ setWeight: 10 }, { analysis: {} }, { setWeight: 50 }, { analysis: {} }];
      for (const c of canary) {
        if ('setWeight' in c) steps.push({ type: 'weight', weight: Math.round(c.setWeight * 1000) });
        else if ('pause' in c) steps.push({ type: 'pause', ...(c.pause.durationMs !== undefined ? { durationMs: c.pause.durationMs } : {}) });
        else steps.push(analysisStep(spec, c.analysis));
      }
      steps.push({ type: 'switch' }, { type: 'retire', keepWarmMs: 0 });
      break;
    }
    case 'rolling':
      steps.push(...rollingBatches(input.agents, rollingSettings(spec)), ...verify, { type: 'switch' }, { type: 'retire', keepWarmMs: 0 });
      break;
    default:
      steps.push({ type: 'start', recreate: true }, ...verify);
  }
  return { steps, previous, entered: -1 };
}

export function describeStep(step: Step): string {
  switch (step.type) {
    case 'start': return step.recreate ? 'replace the running version' : 'start the new version beside the old one';
    case 'weight': return `send ${step.weight / 1000} % of traffic to the new version`;
    case 'pause': return step.durationMs !== undefined ? `pause ${Math.round(step.durationMs / 1000)} s` : 'pause until promoted';
    case 'analysis': return `analysis over ${Math.round(step.spec.windowMs / 1000)} s (error rate ≤ ${step.spec.maxErrorRate * 100} %, at least ${step.spec.minRequests} requests)`;
    case 'verify': return `acceptance command: ${step.command}`;
    case 'switch': return 'switch all traffic to the new version';
    case 'switchBack': return 'switch all traffic back to the warm version';
    case 'retire': return step.keepWarmMs > 0 ? `keep the old version warm for ${Math.round(step.keepWarmMs / 1000)} s` : 'stop the old version';
    case 'batch': {
      const inPlace = step.targets.filter((t) => step.inPlace?.includes(t)).length;
      const how = inPlace === 0 ? '' : inPlace === step.targets.length ? ', in place' : `, ${step.targets.length - inPlace} beside the old version and ${inPlace} in place`;
      return `replace on ${step.targets.length} target(s) (batch ${step.index + 1} of ${step.of}${how})`;
    }
    case 'script': return `${step.phase} script`;
  }
}
