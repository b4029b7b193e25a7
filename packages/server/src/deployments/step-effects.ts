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
        return { ...withoutVacant(placement), versions: [fresh], routes: { ...placement.routes, versions: [{ version: v, weight: WEIGHT_TOTAL }], headerRoutes: [] }, warm: null };
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
      const next = { ...withoutVacant(placement), versions };
      return {
        ...next,
        routes: { ...setWeightsOf(next, (x) => (x === v ? WEIGHT_TOTAL : 0)), headerRoutes: (placement.routes.headerRoutes ?? []).filter((r) => versions.some((pv) => pv.version === r.version)) },
        warm: keep ? { version: stable, until: new Date(Date.now() + step.keepWarmMs).toISOString() } : null,
      };
    }
    case 'batch': {
      // Surge targets get the new version beside the old one; checking the step takes the old one
      // off them once the new one is healthy there (retireOnTargets). In-place targets lose the old
      // version first and keep only their router (vacant); checking the step places the new
      // version there once the old one is gone (placeOnTargets). A stored step without `inPlace`
      // is all surge.
      const inPlace = step.inPlace ?? [];
      const surge = step.targets.filter((t) => !inPlace.includes(t));
      const targets = [...new Set([...rolledOut, ...surge])];
      const versions = placement.versions.filter((pv) => pv.version !== v)
        .map((pv) => ({ ...pv, targets: (pv.targets === 'all' ? agentIds : pv.targets).filter((t) => !inPlace.includes(t)) }))
        .filter((pv) => pv.targets.length > 0);
      const vacant = [...new Set([...(placement.vacant ?? []), ...inPlace])];
      const next = { ...placement, versions: [...versions, { ...fresh, targets }], ...(vacant.length > 0 ? { vacant } : {}) };
      return { ...next, routes: { ...setWeightsOf(next, (x) => (x === v ? 0 : weightOf(placement, x) || (x === stable ? WEIGHT_TOTAL : 0))) } };
    }
    case 'pause':
    case 'analysis':
    case 'verify':
    case 'script':
      return placement;
  }
}

/** The second half of a rolling batch on its surge targets: the old versions leave them. */
export function retireOnTargets(placement: Placement, keep: string, targets: string[]): Placement {
  const versions = placement.versions.map((pv) => (pv.version === keep || pv.targets === 'all' ? pv : { ...pv, targets: pv.targets.filter((t) => !targets.includes(t)) }))
    .filter((pv) => pv.targets === 'all' || pv.targets.length > 0);
  const next = { ...placement, versions };
  return { ...next, routes: { ...placement.routes, versions: placement.routes.versions.filter((r) => versions.some((pv) => pv.version === r.version)) } };
}

/** The second half of a rolling batch on its in-place targets, once the old version is gone from them: the new version goes there. */
export function placeOnTargets(placement: Placement, version: string, targets: string[]): Placement {
  const versions = placement.versions.map((pv) => (pv.version !== version || pv.targets === 'all' ? pv : { ...pv, targets: [...new Set([...pv.targets, ...targets])] }));
  const vacant = (placement.vacant ?? []).filter((t) => !targets.includes(t));
  const { vacant: _vacant, ...rest } = placement;
  return { ...rest, versions, ...(vacant.length > 0 ? { vacant } : {}) };
}

function withoutVacant(placement: Placement): Placement {
  const { vacant: _vacant, ...rest } = placement;
  return rest;
}

function weightOf(placement: Placement, version: string): number {
  return placement.routes.versions.find((r) => r.version === version)?.weight ?? 0;
}

function setWeightsOf(placement: Placement, weights: (version: string) => number): Placement['routes'] {
  return { ...placement.routes, versions: placement.versions.map((pv) => ({ version: pv.version, weight: weights(pv.version) })) };
}
