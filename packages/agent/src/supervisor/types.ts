import type { HealthCheckSpec, HealthStatus } from '../health/checker.js';
import type { RestartPolicy } from './backoff.js';

/** How to run one version of a service. Plain data: it is persisted in the state file. */
export interface VersionSpec {
  service: string;
  version: string;
  /** A string runs through `/bin/sh -c`; an array is `[file, ...args]`, run without a shell. */
  command: string | string[];
  /** Working directory (default: the agent's). */
  cwd?: string;
  /** Variables on top of the supervisor's base environment. `PORT` is always the supervisor's choice. */
  env?: Record<string, string>;
  /** How many instances, each on its own port (default 1). */
  instances?: number;
  health?: HealthCheckSpec;
  restart?: RestartPolicy;
  /** Time between SIGTERM and SIGKILL when stopping (default 10 000 ms). */
  stopTimeoutMs?: number;
}

/**
 * Lifecycle of an instance's process: `starting` (spawn under way, no process yet), `running`
 * (a process exists), `backoff` (it exited unexpectedly or could not start, and waits for its
 * restart), `stopping`, `stopped`. Health is reported apart.
 */
export type InstanceState = 'starting' | 'running' | 'backoff' | 'stopping' | 'stopped';

export interface ExitInfo {
  code: number | null;
  signal: string | null;
  /** Epoch ms. */
  at: number;
  /** `exited with code 1`, `killed by SIGKILL`, `could not start: spawn ENOENT`… */
  reason: string;
}

/** A snapshot of one instance. */
export interface InstanceInfo {
  id: string;
  service: string;
  version: string;
  /** 0-based position among the version's instances. */
  index: number;
  port: number;
  /** `host:port`, as the router's route table wants it. */
  upstream: string;
  pid: number | undefined;
  state: InstanceState;
  health: HealthStatus;
  /** Restarts after crashes since this supervisor started or adopted it. */
  restarts: number;
  /** Epoch ms when the current process started. */
  startedAt: number | undefined;
  lastExit: ExitInfo | undefined;
  /** Taken over from an earlier agent run rather than started by this one. */
  adopted: boolean;
}

export interface StateChangeEvent {
  instance: InstanceInfo;
  previous: InstanceState;
  reason: string;
}

export interface HealthChangeEvent {
  instance: InstanceInfo;
  previous: HealthStatus;
  /** The probe result that changed it: `status 200`, `ECONNREFUSED`… */
  detail: string;
}

/** One line a process wrote, as the log sink receives it. */
export interface LogLine {
  instanceId: string;
  service: string;
  version: string;
  stream: 'stdout' | 'stderr';
  line: string;
  /** Epoch ms when the agent read the line. */
  at: number;
}

/** What `waitHealthy` found: healthy, or failed with the reason a strategy reports. */
export type WaitHealthyResult =
  | { healthy: true; instance: InstanceInfo }
  | { healthy: false; instance: InstanceInfo | undefined; reason: 'exited' | 'timeout' | 'stopped'; detail: string };
