/** The wire shapes of docs/agent-protocol.md, as the agent reads and writes them. */

/** How to get one version's artifact. */
export interface DesiredArtifact {
  /** `http(s)://` or `file://`; null when `fetchCommand` fetches it. */
  url: string | null;
  /** `sha256:<hex>` (sha384 and sha512 are accepted too). */
  digest: string;
  /** A shell command that writes the artifact to `$GANTRY_OUTPUT`. */
  fetchCommand: string | null;
  /** `tar` (gzip or plain) unpacks into a directory; `none` puts the file in a directory of its own. */
  unpack: 'tar' | 'none';
}

export interface DesiredHealth {
  path?: string;
  intervalMs?: number;
  timeoutMs?: number;
  healthyThreshold?: number;
  unhealthyThreshold?: number;
}

/** How to run a version: the command runs in the unpacked artifact's directory. */
export interface DesiredRun {
  command: string | string[];
  env?: Record<string, string>;
  /** Names of variables the agent passes from its own environment (never `GANTRY_*`). */
  secrets?: string[];
  instances?: number;
  health?: DesiredHealth | null;
  stopTimeoutMs?: number;
}

export interface DesiredVersion {
  version: string;
  deploymentId: number | null;
  artifact: DesiredArtifact;
  run: DesiredRun;
}

export interface DesiredRoutes {
  versions: { version: string; weight: number }[];
  stickiness?: { header?: string; cookie?: string };
  headerRoutes?: { header: string; value: string; version: string }[];
}

export interface DesiredService {
  service: string;
  port: number;
  versions: DesiredVersion[];
  routes: DesiredRoutes;
  drainTimeoutMs?: number;
}

/** `GET /api/v1/agents/{id}/desired`: everything this host should run. */
export interface DesiredState {
  revision: number;
  services: DesiredService[];
}

/** What the agent reports of a version. */
export type VersionState = 'fetching' | 'starting' | 'ready' | 'failed' | 'stopping';

export interface InstanceReport {
  id: string;
  pid: number | null;
  port: number;
  state: string;
  healthy: boolean;
  restarts: number;
}

export interface VersionReport {
  version: string;
  deploymentId: number | null;
  state: VersionState;
  healthyInstances: number;
  instances: InstanceReport[];
  error: string | null;
}

/** Cumulative counters of one version, as the protocol carries them. */
export interface RouterCounters {
  requests: number;
  errors5xx: number;
  /** Bucket upper bounds in ms; `counts` has one more entry (the +Inf bucket), per bucket (not cumulative). */
  latencyMs: { buckets: number[]; counts: number[] };
}

export interface ServiceReport {
  service: string;
  /** The desired revision whose routes are in force (absent before any table was installed). */
  routesRevision?: number;
  routes: { versions: { version: string; weight: number }[] };
  versions: VersionReport[];
  router: { versions: Record<string, RouterCounters> };
  /** A problem of the service itself (its port cannot be bound, its routes are invalid), else null. */
  error: string | null;
}

/** `POST /api/v1/agents/{id}/status`. */
export interface StatusReport {
  /** Absent until the agent holds a desired state. */
  desiredRevision?: number;
  services: ServiceReport[];
}

/** One line of `POST /api/v1/agents/{id}/logs`. */
export interface ShippedLogLine {
  deploymentId: number | null;
  service: string;
  version: string;
  instance: string;
  stream: 'stdout' | 'stderr';
  message: string;
  at: string;
}
