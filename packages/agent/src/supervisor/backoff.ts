/** How a crashed instance is restarted: exponential backoff, capped, forgiven after a stable run. */
export interface RestartPolicy {
  /** Delay before the first restart (default 500 ms). */
  initialDelayMs?: number;
  /** Upper bound of the delay (default 30 000 ms). */
  maxDelayMs?: number;
  /** Growth per consecutive crash (default 2). */
  factor?: number;
  /** A process that ran at least this long before crashing restarts after the initial delay again (default 30 000 ms). */
  resetAfterMs?: number;
}

export const RESTART_DEFAULTS: Required<RestartPolicy> = { initialDelayMs: 500, maxDelayMs: 30_000, factor: 2, resetAfterMs: 30_000 };

/** Delay before restart number `crashes + 1` of a run of consecutive crashes (`crashes` ≥ 0). */
export function restartDelay(policy: Required<RestartPolicy>, crashes: number): number {
  return Math.min(policy.maxDelayMs, Math.round(policy.initialDelayMs * policy.factor ** crashes));
}
