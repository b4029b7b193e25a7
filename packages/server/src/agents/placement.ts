/** What should run for one service in one environment. The controller writes it; agents converge to it. */
export interface PlacementVersion {
  version: string;
  deploymentId: number;
  artifact: { url: string | null; digest: string; fetchCommand: string | null; unpack: 'tar' | 'none' };
  run: {
    command: string | string[];
    env: Record<string, string>;
    secrets: string[];
    instances: number;
    health: { path: string; intervalMs: number; timeoutMs: number; healthyThreshold: number; unhealthyThreshold: number };
    stopTimeoutMs: number;
  };
  /** Agent ids this version runs on, or every agent of the environment. */
  targets: string[] | 'all';
}

export interface PlacementRoutes {
  versions: { version: string; weight: number }[];
  stickiness?: { header?: string; cookie?: string };
  headerRoutes?: { header: string; value: string; version: string }[];
}

export interface Placement {
  port: number;
  versions: PlacementVersion[];
  routes: PlacementRoutes;
  drainTimeoutMs: number;
  /** A previous version kept running without traffic, so a rollback is a route switch. */
  warm: { version: string; until: string } | null;
  /**
   * Agents that run no version of the service for a moment but keep its router on `port`,
   * answering 503 `no_route`: in-place targets of a rolling batch, between the old version leaving
   * and the new one being placed there. (An agent with no version and not listed here closes the
   * service's router and stops everything of it.)
   */
  vacant?: string[];
}

export const WEIGHT_TOTAL = 100_000;

/**
 * The routes one agent applies: only versions it runs, with weights scaled to add up to 100,000.
 * When none of its versions has weight (a rolling deployment's untouched host), the first one it
 * runs in the placement's route order takes all the traffic.
 */
export function routesFor(placement: Placement, versions: string[]): PlacementRoutes {
  const present = placement.routes.versions.filter((v) => versions.includes(v.version));
  for (const v of versions) if (!present.some((p) => p.version === v)) present.push({ version: v, weight: 0 });
  const total = present.reduce((n, v) => n + v.weight, 0);
  let scaled: { version: string; weight: number }[];
  if (total === 0) {
    scaled = present.map((v, i) => ({ version: v.version, weight: i === 0 ? WEIGHT_TOTAL : 0 }));
  } else {
    scaled = present.map((v) => ({ version: v.version, weight: Math.floor((v.weight * WEIGHT_TOTAL) / total) }));
    const rest = WEIGHT_TOTAL - scaled.reduce((n, v) => n + v.weight, 0);
    const biggest = scaled.reduce((b, v, i) => (v.weight > scaled[b]!.weight ? i : b), 0);
    scaled[biggest]!.weight += rest;
  }
  // Every version an agent runs is reachable with `x-gantry-version: <version>`: a dark or warm
  // version can be tried before (or after) it has traffic.
  const headerRoutes = (placement.routes.headerRoutes ?? []).filter((r) => versions.includes(r.version));
  for (const v of versions) {
    if (!headerRoutes.some((r) => r.header === 'x-gantry-version' && r.value === v)) headerRoutes.push({ header: 'x-gantry-version', value: v, version: v });
  }
  return {
    versions: scaled,
    ...(placement.routes.stickiness ? { stickiness: placement.routes.stickiness } : {}),
    headerRoutes,
  };
}

export function runsOn(version: PlacementVersion, agentId: string): boolean {
  return version.targets === 'all' || version.targets.includes(agentId);
}
