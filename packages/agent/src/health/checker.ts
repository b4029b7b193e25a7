import { probe, type ProbeResult } from './probe.js';

export type HealthStatus = 'unknown' | 'healthy' | 'unhealthy';

/** How an instance's health is checked; every field has a default. */
export interface HealthCheckSpec {
  /** HTTP path probed with GET (2xx/3xx = pass); without one, a TCP connect to the port is the check. */
  path?: string;
  /** Time between probes (default 1000 ms). */
  intervalMs?: number;
  /** Time one probe may take (default 1000 ms). */
  timeoutMs?: number;
  /** Consecutive passes to become healthy (default 1). */
  healthyThreshold?: number;
  /** Consecutive failures to become unhealthy (default 3). */
  unhealthyThreshold?: number;
}

export const HEALTH_DEFAULTS = { intervalMs: 1000, timeoutMs: 1000, healthyThreshold: 1, unhealthyThreshold: 3 } as const;

export interface HealthCheckerOptions extends HealthCheckSpec {
  host: string;
  port: number;
  /** Called when the status changes, with the probe that changed it. */
  onChange?: (status: HealthStatus, previous: HealthStatus, result: ProbeResult) => void;
}

/**
 * Probes one instance on an interval and turns the results into a status with thresholds:
 * `unknown` until the first threshold is crossed, then `healthy` / `unhealthy`.
 */
export class HealthChecker {
  status: HealthStatus = 'unknown';
  last: ProbeResult | undefined;
  private passes = 0;
  private failures = 0;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private readonly spec: Required<Omit<HealthCheckSpec, 'path'>> & { path?: string };

  constructor(private readonly options: HealthCheckerOptions) {
    this.spec = { ...HEALTH_DEFAULTS, ...definedOnly(options) };
  }

  /** Start probing now and then every interval. */
  start(): void {
    if (this.running) return;
    this.running = true;
    void this.tick();
  }

  stop(): void {
    this.running = false;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Forget the counts and the status (e.g. after the process restarted). */
  reset(): void {
    this.passes = 0;
    this.failures = 0;
    this.status = 'unknown';
    this.last = undefined;
  }

  private async tick(): Promise<void> {
    const result = await probe({ host: this.options.host, port: this.options.port, path: this.spec.path, timeoutMs: this.spec.timeoutMs });
    if (!this.running) return;
    this.record(result);
    this.timer = setTimeout(() => void this.tick(), this.spec.intervalMs);
    this.timer.unref();
  }

  private record(result: ProbeResult): void {
    this.last = result;
    if (result.ok) {
      this.passes++;
      this.failures = 0;
    } else {
      this.failures++;
      this.passes = 0;
    }
    const previous = this.status;
    if (result.ok && this.passes >= this.spec.healthyThreshold) this.status = 'healthy';
    else if (!result.ok && this.failures >= this.spec.unhealthyThreshold) this.status = 'unhealthy';
    if (this.status !== previous) this.options.onChange?.(this.status, previous, result);
  }
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
