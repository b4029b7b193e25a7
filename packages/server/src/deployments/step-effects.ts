import type { Placement, PlacementVersion } from '../agents/placement.js';
import { WEIGHT_TOTAL } from '../agents/placement.js';
import type { Step } from './plans.js';

/** How entering a step changes the placement. Pure: the controller stores what this returns. */
export function enterStep(step: Step, placement: Placement, fresh: PlacementVersion, stable: string | undefined, agentIds: string[], rolledOut: string[]): Placement {
  const v = fresh.version;
  const setWeights = (weights: (version: string) => number): Placement['routes'] => ({
    ...placement.routes,
    versions: placement.versions.map((pv) => ({ version: pv.version, weight: weights(pv.version) })),
  });
  switch (step.type) {
    case 'start': {
      if (step.recreate) {
        return { ...placement, versions: [fresh], routes: { ...placement.routes, versions: [{ version: v, weight: WEIGHT_TOTAL }], headerRoutes: [] }, warm: null };
      }
      const versions = [...placement.versions.filter((pv) => pv.version !== v), fresh];
      const headerRoutes = [...(placement.routes.headerRoutes ?? []).filter((r) => r.version !== v), { header: 'x-gantry-version', value: v, version: v }];
      const next = { ...placement, versions };
      return { ...next, routes: { ...setWeightsOf(next, (x) => (x === v ? 0 : weightOf(placement, x))), headerRoutes } };
    }
    case 'weight':
      return { ...placement, routes: setWeights((x) => (x === v ? step.weight : x === stable ? WEIGHT_TOTAL - step.weight : 0)) };
    case 'switch':
      return { ...placement, routes: setWeights((x) => (x === v ? WEIGHT_TOTAL : 0)) };
    case 'switchBack': {
      const warm = placement.warm?.version ?? v;
      return { ...placement, routes: setWeights((x) => (x === warm ? WEIGHT_TOTAL : 0)), warm: null };
    }
    case 'retire': {
      const keep = step.keepWarmMs > 0 && stable !== undefined && stable !== v;
      const versions = placement.versions.filter((pv) => pv.version === v || (keep && pv.version === stable));
      const next = { ...placement, versions };
      return {
        ...next,
        routes: { ...setWeightsOf(next, (x) => (x === v ? WEIGHT_TOTAL : 0)), headerRoutes: (placement.routes.headerRoutes ?? []).filter((r) => versions.some((pv) => pv.version === r.version)) },
        warm: keep ? { version: stable, until: new Date(Date.now() + step.keepWarmMs).toISOString() } : null,
      };
    }
    case 'batch': {
      // Rolling, surge first: the batch's hosts get the new version beside the old one; the check
      // step then takes the old one off those hosts once the new one is healthy there.
      const targets = [...new Set([...rolledOut, ...step.targets])];
      const versions = placement.versions.filter((pv) => pv.version !== v).map((pv) => ({ ...pv, targets: pv.targets === 'all' ? agentIds : pv.targets }));
      const next = { ...placement, versions: [...versions, { ...fresh, targets }] };
      return { ...next, routes: { ...setWeightsOf(next, (x) => (x === v ? 0 : weightOf(placement, x) || (x === stable ? WEIGHT_TOTAL : 0))) } };
    }
    case 'pause':
    case 'analysis':
    case 'verify':
    case 'script':
      return placement;
  }
}

/** The second half of a rolling batch: the old versions leave the batch's hosts. */
export function retireOnTargets(placement: Placement, keep: string, targets: string[]): Placement {
  return {
    ...placement,
    versions: placement.versions.map((pv) => (pv.version === keep || pv.targets === 'all' ? pv : { ...pv, targets: pv.targets.filter((t) => !targets.includes(t)) }))
      .filter((pv) => pv.targets === 'all' || pv.targets.length > 0),
  };
}

function weightOf(placement: Placement, version: string): number {
  return placement.routes.versions.find((r) => r.version === version)?.weight ?? 0;
}

function setWeightsOf(placement: Placement, weights: (version: string) => number): Placement['routes'] {
  return { ...placement.routes, versions: placement.versions.map((pv) => ({ version: pv.version, weight: weights(pv.version) })) };
}
