import { RouteTableError } from '../errors.js';
import { WEIGHT_TOTAL } from './bucket.js';

/** One version behind the router: its instances and its share of the traffic. */
export interface VersionRoute {
  version: string;
  /** `host:port` of each instance (`[::1]:8080` for IPv6). */
  upstreams: string[];
  /**
   * Share of the traffic out of 100 000 (so 90 000 = 90 %). The weights of all versions add up to
   * 100 000; when the table has one version its weight may be left out. Weight 0 keeps a version
   * reachable by header routes only (a dark deployment).
   */
  weight?: number;
}

/** Sticky assignment: the value of this header (tried first) or cookie decides the version. */
export interface Stickiness {
  header?: string;
  cookie?: string;
}

/** Requests carrying `header: value` go to `version` whatever the weights (testing before release). */
export interface HeaderRoute {
  header: string;
  value: string;
  version: string;
}

/** The whole routing state of one service; `Router.setRoutes` swaps it in one assignment. */
export interface RouteTable {
  versions: VersionRoute[];
  stickiness?: Stickiness;
  headerRoutes?: HeaderRoute[];
}

export interface Upstream {
  /** `host:port`, the key of the upstream's connection pool. */
  readonly key: string;
  readonly host: string;
  readonly port: number;
}

export interface CompiledVersion {
  readonly version: string;
  readonly weight: number;
  readonly upstreams: readonly Upstream[];
  /** Exclusive end of this version's bucket range; ranges follow the order of `versions`. */
  readonly rangeEnd: number;
  /** Round-robin cursor, private to this table. */
  cursor: number;
}

export interface CompiledHeaderRoute {
  readonly header: string;
  readonly value: string;
  readonly target: CompiledVersion;
}

export interface CompiledTable {
  readonly revision: number;
  readonly source: RouteTable;
  readonly versions: readonly CompiledVersion[];
  readonly weighted: readonly CompiledVersion[];
  readonly byVersion: ReadonlyMap<string, CompiledVersion>;
  readonly stickyHeader: string | undefined;
  readonly stickyCookie: string | undefined;
  readonly headerRoutes: readonly CompiledHeaderRoute[];
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const COOKIE_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

export function parseUpstream(text: string): Upstream {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]\s/]+)):(\d{1,5})$/.exec(text);
  const port = match ? Number(match[3]) : NaN;
  if (!match || !(port > 0 && port < 65536)) throw new RouteTableError(`upstream "${text}" is not host:port`);
  return { key: text, host: (match[1] ?? match[2]) as string, port };
}

/** Validate a route table and turn it into the immutable form the request path reads. */
export function compileRouteTable(table: RouteTable, revision: number): CompiledTable {
  if (!table || !Array.isArray(table.versions)) throw new RouteTableError('versions must be an array');
  const single = table.versions.length === 1;
  const seen = new Set<string>();
  let total = 0;
  const versions: CompiledVersion[] = table.versions.map((route) => {
    if (typeof route.version !== 'string' || route.version === '') throw new RouteTableError('every version needs a non-empty name');
    if (seen.has(route.version)) throw new RouteTableError(`version "${route.version}" appears twice`);
    seen.add(route.version);
    const weight = route.weight ?? (single ? WEIGHT_TOTAL : undefined);
    if (weight === undefined) throw new RouteTableError(`version "${route.version}" needs a weight (out of ${WEIGHT_TOTAL})`);
    if (!Number.isInteger(weight) || weight < 0 || weight > WEIGHT_TOTAL) {
      throw new RouteTableError(`weight of version "${route.version}" must be an integer from 0 to ${WEIGHT_TOTAL}`);
    }
    if (!Array.isArray(route.upstreams)) throw new RouteTableError(`upstreams of version "${route.version}" must be an array`);
    const upstreams = route.upstreams.map(parseUpstream);
    if (weight > 0 && upstreams.length === 0) throw new RouteTableError(`version "${route.version}" has weight but no upstreams`);
    total += weight;
    return { version: route.version, weight, upstreams, rangeEnd: total, cursor: 0 };
  });
  if (versions.length > 0 && total !== WEIGHT_TOTAL) {
    throw new RouteTableError(`weights add up to ${total}, not ${WEIGHT_TOTAL}`);
  }
  const byVersion = new Map(versions.map((v) => [v.version, v]));

  const { header, cookie } = table.stickiness ?? {};
  if (header !== undefined && !HEADER_NAME.test(header)) throw new RouteTableError(`sticky header "${header}" is not a header name`);
  if (cookie !== undefined && !COOKIE_NAME.test(cookie)) throw new RouteTableError(`sticky cookie "${cookie}" is not a cookie name`);

  const headerRoutes = (table.headerRoutes ?? []).map((route) => {
    if (!HEADER_NAME.test(route.header)) throw new RouteTableError(`header route "${route.header}" is not a header name`);
    if (typeof route.value !== 'string') throw new RouteTableError(`header route "${route.header}" needs a string value`);
    const target = byVersion.get(route.version);
    if (!target) throw new RouteTableError(`header route "${route.header}: ${route.value}" names unknown version "${route.version}"`);
    if (target.upstreams.length === 0) throw new RouteTableError(`header route to version "${route.version}" which has no upstreams`);
    return { header: route.header.toLowerCase(), value: route.value, target };
  });

  return Object.freeze({
    revision,
    source: structuredClone(table),
    versions,
    weighted: versions.filter((v) => v.weight > 0),
    byVersion,
    stickyHeader: header?.toLowerCase(),
    stickyCookie: cookie,
    headerRoutes,
  });
}

/** The version whose bucket range holds `bucket` (0 ≤ bucket < WEIGHT_TOTAL). */
export function versionForBucket(table: CompiledTable, bucket: number): CompiledVersion | undefined {
  for (const v of table.weighted) if (bucket < v.rangeEnd) return v;
  return undefined;
}

/** Next upstream of a version, round robin; `avoid` is skipped when another one exists. */
export function nextUpstream(version: CompiledVersion, avoid?: Upstream): Upstream | undefined {
  const list = version.upstreams;
  if (list.length === 0) return undefined;
  let pick = list[version.cursor++ % list.length] as Upstream;
  if (pick === avoid && list.length > 1) pick = list[version.cursor++ % list.length] as Upstream;
  if (version.cursor > 0x3fffffff) version.cursor = 0;
  return pick;
}
