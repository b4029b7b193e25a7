import type { RouteTable } from '../router/route-table.js';
import type { DesiredRoutes } from './types.js';

export type RoutePlan = { ok: true; table: RouteTable } | { ok: false; reason: string };

/**
 * The router's table for desired `routes`, with each version's upstreams filled in by `upstreams`
 * (its healthy instances). A weighted version without any upstream makes the plan fail: the
 * caller keeps the table in force rather than route traffic to nothing. Weight-0 versions without
 * upstreams are left out, and so are header routes to them.
 */
export function planRoutes(routes: DesiredRoutes, upstreams: (version: string) => string[]): RoutePlan {
  const versions: RouteTable['versions'] = [];
  for (const route of routes.versions) {
    const list = upstreams(route.version);
    if (list.length === 0) {
      if (route.weight > 0) return { ok: false, reason: `version ${route.version} has weight ${route.weight} but no healthy instance` };
      continue;
    }
    versions.push({ version: route.version, upstreams: list, weight: route.weight });
  }
  const present = new Set(versions.map((v) => v.version));
  const table: RouteTable = { versions };
  if (routes.stickiness && (routes.stickiness.cookie !== undefined || routes.stickiness.header !== undefined)) table.stickiness = { ...routes.stickiness };
  const headerRoutes = (routes.headerRoutes ?? []).filter((r) => present.has(r.version));
  if (headerRoutes.length > 0) table.headerRoutes = headerRoutes.map((r) => ({ ...r }));
  return { ok: true, table };
}

/** Whether two tables route the same way (same versions, order, weights, upstreams, stickiness, header routes). */
export function sameTable(a: RouteTable, b: RouteTable): boolean {
  const norm = (t: RouteTable) =>
    JSON.stringify({
      versions: t.versions.map((v) => [v.version, v.weight ?? (t.versions.length === 1 ? 100_000 : undefined), v.upstreams]),
      stickiness: t.stickiness ? [t.stickiness.header ?? null, t.stickiness.cookie ?? null] : null,
      headerRoutes: (t.headerRoutes ?? []).map((r) => [r.header.toLowerCase(), r.value, r.version]),
    });
  return norm(a) === norm(b);
}
