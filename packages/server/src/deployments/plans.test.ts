import { describe, expect, it } from 'vitest';
import { routesFor, runsOn, WEIGHT_TOTAL, type Placement, type PlacementVersion } from '../agents/placement.js';
import { AppError } from '../http/errors.js';
import type { RunSpec } from '../runspecs/schema.js';
import { buildPlan, describeStep, type Step } from './plans.js';
import { enterStep, placeOnTargets, retireOnTargets } from './step-effects.js';

/** Plans and their effects on the placement, for rolling deployments: pure functions, no database. */
const spec = (rolling?: RunSpec['rolling']): RunSpec => ({ port: 8080, artifact: { url: 'https://a/{version}.tgz' }, command: 'node app.js', ...(rolling ? { rolling } : {}) });

const version = (v: string, targets: PlacementVersion['targets'] = 'all'): PlacementVersion => ({
  version: v, deploymentId: Number(v), targets,
  artifact: { url: `https://a/${v}.tgz`, digest: `sha256:${v.repeat(64).slice(0, 64)}`, fetchCommand: null, unpack: 'tar' },
  run: { command: 'node app.js', env: {}, secrets: [], instances: 1, stopTimeoutMs: 10_000, health: { path: '/health', intervalMs: 1000, timeoutMs: 1000, healthyThreshold: 1, unhealthyThreshold: 3 } },
});

/** Version 1 everywhere, as a finished deployment leaves it. */
const stable: Placement = {
  port: 8080, versions: [version('1')], drainTimeoutMs: 10_000, warm: null,
  routes: { versions: [{ version: '1', weight: WEIGHT_TOTAL }], headerRoutes: [{ header: 'x-gantry-version', value: '1', version: '1' }] },
};
const agents = ['a', 'b', 'c', 'd', 'e'];

const plan = (rolling?: RunSpec['rolling'], agentIds = agents) =>
  buildPlan({ strategy: 'rolling', driver: 'agent', kind: 'deploy', version: '2', spec: spec(rolling), previous: stable, agents: agentIds });
const batches = (steps: Step[]) => steps.filter((s): s is Extract<Step, { type: 'batch' }> => s.type === 'batch');

/** What each agent runs, and the weights its router applies, under a placement. */
function hosts(p: Placement, ids = agents): Record<string, string> {
  return Object.fromEntries(ids.map((id) => {
    const mine = p.versions.filter((v) => runsOn(v, id)).map((v) => v.version);
    if (mine.length === 0) return [id, (p.vacant ?? []).includes(id) ? 'vacant' : 'nothing'];
    return [id, routesFor(p, mine).versions.map((r) => `${r.version}:${r.weight}`).join(' ')];
  }));
}

describe('buildPlan: rolling batches counted in targets', () => {
  it('defaults to maxSurge 1, maxUnavailable 0: one target at a time, new beside old', () => {
    const p = plan();
    expect(batches(p.steps)).toEqual(agents.map((id, index) => ({ type: 'batch', targets: [id], index, of: 5, inPlace: [] })));
    expect(p.steps.slice(5)).toEqual([{ type: 'switch' }, { type: 'retire', keepWarmMs: 0 }]);
    expect(describeStep(p.steps[0]!)).toBe('replace on 1 target(s) (batch 1 of 5)');
  });

  it('maxSurge 2: two surge targets a batch', () => {
    expect(batches(plan({ maxSurge: 2 }).steps).map((b) => [b.targets, b.inPlace])).toEqual([[['a', 'b'], []], [['c', 'd'], []], [['e'], []]]);
  });

  it('maxSurge 0, maxUnavailable 1: in place, one target at a time', () => {
    const p = plan({ maxSurge: 0, maxUnavailable: 1 });
    expect(batches(p.steps).map((b) => [b.targets, b.inPlace])).toEqual(agents.map((id) => [[id], [id]]));
    expect(describeStep(p.steps[0]!)).toBe('replace on 1 target(s) (batch 1 of 5, in place)');
  });

  it('mixed: up to maxSurge surge targets, then up to maxUnavailable in place; a short last batch surges first', () => {
    const p = plan({ maxSurge: 1, maxUnavailable: 2 });
    expect(batches(p.steps).map((b) => [b.targets, b.inPlace])).toEqual([[['a', 'b', 'c'], ['b', 'c']], [['d', 'e'], ['e']]]);
    expect(describeStep(p.steps[0]!)).toBe('replace on 3 target(s) (batch 1 of 2, 1 beside the old version and 2 in place)');
  });

  it('refuses maxSurge 0 with maxUnavailable 0 (the default): a batch would replace nothing', () => {
    for (const rolling of [{ maxSurge: 0 }, { maxSurge: 0, maxUnavailable: 0 }]) {
      let error: unknown;
      try {
        plan(rolling);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(AppError);
      expect(error).toMatchObject({ status: 400, code: 'validation_failed', message: expect.stringMatching(/maxSurge and rolling.maxUnavailable must not both be 0/) });
    }
    // Other strategies do not read the rolling settings.
    expect(buildPlan({ strategy: 'canary', driver: 'agent', kind: 'deploy', version: '2', spec: spec({ maxSurge: 0 }), previous: stable, agents }).steps[0]).toEqual({ type: 'start' });
  });

  it('a first deployment is a recreate whatever the rolling settings', () => {
    expect(buildPlan({ strategy: 'rolling', driver: 'agent', kind: 'deploy', version: '1', spec: spec({ maxSurge: 0, maxUnavailable: 3 }), previous: null, agents }).steps).toEqual([{ type: 'start', recreate: true }]);
  });
});

/** Runs a plan's batches the way the controller does: enter, then finish each batch's surge and in-place targets. */
function walk(steps: Step[], ids = agents) {
  const fresh = version('2');
  let p = stable;
  const seen: Record<string, string>[] = [];
  steps.forEach((step, i) => {
    if (step.type !== 'batch') return;
    const rolledOut = steps.slice(0, i).flatMap((s) => (s.type === 'batch' ? s.targets : []));
    p = enterStep(step, p, fresh, '1', ids, rolledOut);
    seen.push(hosts(p, ids));
    const inPlace = step.inPlace ?? [];
    p = placeOnTargets(p, '2', inPlace);
    p = retireOnTargets(p, '2', step.targets.filter((t) => !inPlace.includes(t)));
    seen.push(hosts(p, ids));
  });
  return { placement: p, seen };
}

describe('enterStep, retireOnTargets and placeOnTargets: what each host runs', () => {
  it('surge: the new version starts beside the old one (old keeps the traffic), then the old one leaves', () => {
    const { placement, seen } = walk(plan({ maxSurge: 2 }).steps);
    expect(seen[0]).toEqual({ a: '1:100000 2:0', b: '1:100000 2:0', c: '1:100000', d: '1:100000', e: '1:100000' });
    expect(seen[1]).toEqual({ a: '2:100000', b: '2:100000', c: '1:100000', d: '1:100000', e: '1:100000' });
    expect(seen[2]).toEqual({ a: '2:100000', b: '2:100000', c: '1:100000 2:0', d: '1:100000 2:0', e: '1:100000' });
    expect(seen.at(-1)).toEqual(Object.fromEntries(agents.map((id) => [id, '2:100000'])));
    expect(placement.versions.map((v) => [v.version, v.targets])).toEqual([['2', agents]]);
    expect(placement.vacant).toBeUndefined();
  });

  it('in place: the old version leaves the target first (the router stays, vacant), then the new one goes there', () => {
    const { placement, seen } = walk(plan({ maxSurge: 0, maxUnavailable: 1 }).steps);
    expect(seen[0]).toEqual({ a: 'vacant', b: '1:100000', c: '1:100000', d: '1:100000', e: '1:100000' });
    expect(seen[1]).toEqual({ a: '2:100000', b: '1:100000', c: '1:100000', d: '1:100000', e: '1:100000' });
    expect(seen[2]).toEqual({ a: '2:100000', b: 'vacant', c: '1:100000', d: '1:100000', e: '1:100000' });
    // Never old and new on one in-place host.
    for (const s of seen) for (const host of Object.values(s)) expect(host).not.toMatch(/1:.* 2:/);
    expect(seen.at(-1)).toEqual(Object.fromEntries(agents.map((id) => [id, '2:100000'])));
    expect(placement.versions.map((v) => [v.version, v.targets])).toEqual([['2', agents]]);
    expect(placement.vacant).toBeUndefined();
  });

  it('in place on every host at once: the old version leaves the placement, and its routes with it', () => {
    const steps = plan({ maxSurge: 0, maxUnavailable: 2 }, ['a', 'b']).steps;
    const entered = enterStep(steps[0]!, stable, version('2'), '1', ['a', 'b'], []);
    expect(entered.versions.map((v) => [v.version, v.targets])).toEqual([['2', []]]);
    expect(entered.routes.versions).toEqual([{ version: '2', weight: 0 }]);
    expect(entered.vacant).toEqual(['a', 'b']);
    expect(hosts(placeOnTargets(entered, '2', ['a', 'b']), ['a', 'b'])).toEqual({ a: '2:100000', b: '2:100000' });
  });

  it('mixed: surge targets run both for a while, in-place targets never do', () => {
    const { seen } = walk(plan({ maxSurge: 1, maxUnavailable: 2 }).steps);
    expect(seen[0]).toEqual({ a: '1:100000 2:0', b: 'vacant', c: 'vacant', d: '1:100000', e: '1:100000' });
    expect(seen[1]).toEqual({ a: '2:100000', b: '2:100000', c: '2:100000', d: '1:100000', e: '1:100000' });
    expect(seen[2]).toEqual({ a: '2:100000', b: '2:100000', c: '2:100000', d: '1:100000 2:0', e: 'vacant' });
    expect(seen[3]).toEqual(Object.fromEntries(agents.map((id) => [id, '2:100000'])));
  });

  it('retireOnTargets leaves other hosts and the new version alone, and drops a version left on no host', () => {
    const entered = enterStep(plan().steps[0]!, stable, version('2'), '1', ['a', 'b'], []);
    const retired = retireOnTargets(entered, '2', ['a']);
    expect(retired.versions.map((v) => [v.version, v.targets])).toEqual([['1', ['b']], ['2', ['a']]]);
    const gone = retireOnTargets(retired, '2', ['b']);
    expect(gone.versions.map((v) => v.version)).toEqual(['2']);
    expect(gone.routes.versions.map((r) => r.version)).toEqual(['2']);
  });

  it('the switch and retire steps after the batches leave version 2 alone with all traffic, and no vacant host', () => {
    const steps = plan({ maxSurge: 1, maxUnavailable: 1 }).steps;
    let { placement } = walk(steps);
    for (const step of steps.filter((s) => s.type === 'switch' || s.type === 'retire')) placement = enterStep(step, placement, version('2'), '1', agents, agents);
    expect(placement.routes.versions).toEqual([{ version: '2', weight: WEIGHT_TOTAL }]);
    expect(hosts(placement)).toEqual(Object.fromEntries(agents.map((id) => [id, '2:100000'])));
    expect(placement.vacant).toBeUndefined();
  });

  it('a batch step stored before inPlace existed is surge on all its targets', () => {
    const stored = JSON.parse('{"type":"batch","targets":["a","b"],"index":0,"of":3}') as Step;
    expect(describeStep(stored)).toBe('replace on 2 target(s) (batch 1 of 3)');
    const entered = enterStep(stored, stable, version('2'), '1', agents, []);
    expect(hosts(entered)).toEqual({ a: '1:100000 2:0', b: '1:100000 2:0', c: '1:100000', d: '1:100000', e: '1:100000' });
    expect(entered.vacant).toBeUndefined();
    expect(hosts(retireOnTargets(entered, '2', ['a', 'b']))).toEqual({ a: '2:100000', b: '2:100000', c: '1:100000', d: '1:100000', e: '1:100000' });
  });
});
