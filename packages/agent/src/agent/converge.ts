import { AgentError } from '../errors.js';
import { createRouter, type Router } from '../router/router.js';
import type { Supervisor } from '../supervisor/supervisor.js';
import type { RestoreReport } from '../supervisor/restore.js';
import type { InstanceInfo, VersionSpec, WaitHealthyResult } from '../supervisor/types.js';
import type { ArtifactStore } from './artifacts.js';
import { routerCounters } from './report.js';
import { planRoutes, sameTable } from './routes.js';
import type { DesiredService, DesiredState, DesiredVersion, ServiceReport, VersionReport, VersionState } from './types.js';

type Phase = 'fetching' | 'starting' | 'running' | 'failed' | 'stopping';

interface VersionRuntime {
  version: string;
  deploymentId: number | null;
  /** The artifact and run spec it was started from; '' for a version adopted on restore (taken as matching). */
  fingerprint: string;
  phase: Phase;
  error: string | null;
  /** Taken over on restore and not yet waited for: the first reconcile gives it time to answer its health check. */
  restored?: boolean;
}

interface ServiceRuntime {
  service: string;
  port: number | undefined;
  router: Router | undefined;
  routesRevision: number | null;
  drainTimeoutMs: number;
  /** Why the router cannot listen, or why the desired routes are not in force; null when all is well. */
  problem: string | null;
  versions: Map<string, VersionRuntime>;
}

export interface ConvergerOptions {
  supervisor: Supervisor;
  artifacts: ArtifactStore;
  /** Address the routers listen on. */
  host: string;
  /** How long a new version may take to become healthy before it is `failed`. */
  healthTimeoutMs: number;
  /** The agent stopping: waits end at once and nothing new starts. */
  signal: AbortSignal;
  /** A variable of the agent's environment named in a run spec's `secrets`. */
  secret(name: string): string | undefined;
  log(level: 'info' | 'warn' | 'error', message: string): void;
}

const DEFAULT_DRAIN_MS = 10_000;

const fingerprintOf = (v: DesiredVersion) => JSON.stringify([v.artifact, v.run]);

function healthyCount(instances: InstanceInfo[]): number {
  return instances.filter((i) => i.state === 'running' && i.health === 'healthy').length;
}

/**
 * Brings routers and processes to a desired state. `reconcile` is idempotent; the agent calls it
 * one at a time (never two at once) with the latest desired state.
 */
export class Converger {
  private readonly services = new Map<string, ServiceRuntime>();
  private readonly closed: Promise<void>;

  constructor(private readonly options: ConvergerOptions) {
    const signal = options.signal;
    this.closed = new Promise((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
  }

  private get closing(): boolean {
    return this.options.signal.aborted;
  }

  /** Adopt what an earlier agent run left: processes from the supervisor's state file. */
  async restore(): Promise<RestoreReport> {
    const report = await this.options.supervisor.restore();
    for (const instance of this.options.supervisor.list()) {
      const svc = this.serviceRuntime(instance.service);
      if (!svc.versions.has(instance.version)) {
        svc.versions.set(instance.version, { version: instance.version, deploymentId: null, fingerprint: '', phase: 'running', error: null, restored: true });
      }
    }
    return report;
  }

  /** The deployment a version's log lines belong to. */
  deploymentIdOf(service: string, version: string): number | null {
    return this.services.get(service)?.versions.get(version)?.deploymentId ?? null;
  }

  async reconcile(desired: DesiredState): Promise<void> {
    const waits: Promise<void>[] = [];
    for (const ds of desired.services) {
      if (this.closing) break;
      const svc = this.serviceRuntime(ds.service);
      svc.drainTimeoutMs = ds.drainTimeoutMs ?? DEFAULT_DRAIN_MS;
      for (const dv of ds.versions) {
        const wait = await this.versionFor(svc, dv);
        if (wait) waits.push(wait);
      }
      await this.ensureRouter(svc, ds.port);
    }
    await Promise.all(waits);
    if (this.closing) return;

    const wanted = new Map(desired.services.map((s) => [s.service, s]));
    for (const ds of desired.services) this.applyRoutes(this.services.get(ds.service)!, ds, desired.revision);

    const removals: Promise<void>[] = [];
    for (const svc of [...this.services.values()]) {
      const ds = wanted.get(svc.service);
      if (!ds) {
        removals.push(this.removeService(svc));
        continue;
      }
      const names = new Set(ds.versions.map((v) => v.version));
      const routed = new Set(svc.router?.routes().versions.map((v) => v.version) ?? []);
      for (const rt of [...svc.versions.values()]) {
        // A version still in the table in force (kept because its successor is not healthy) keeps running.
        if (!names.has(rt.version) && !routed.has(rt.version) && rt.phase !== 'stopping') removals.push(this.removeVersion(svc, rt));
      }
    }
    await Promise.all(removals);
  }

  /** The protocol's per-service status. */
  report(): ServiceReport[] {
    const supervisor = this.options.supervisor;
    return [...this.services.values()].map((svc) => {
      const versions: VersionReport[] = [...svc.versions.values()].map((rt) => {
        const instances = supervisor.list({ service: svc.service, version: rt.version });
        const healthy = healthyCount(instances);
        let state: VersionState;
        let error = rt.error;
        if (rt.phase === 'running') {
          state = instances.length > 0 && healthy === instances.length ? 'ready' : 'starting';
          if (state === 'starting') error = notHealthyReason(instances);
        } else {
          state = rt.phase;
        }
        return {
          version: rt.version,
          deploymentId: rt.deploymentId,
          state,
          healthyInstances: healthy,
          instances: instances.map((i) => ({ id: i.id, pid: i.pid ?? null, port: i.port, state: i.state, healthy: i.state === 'running' && i.health === 'healthy', restarts: i.restarts })),
          error: error === null ? null : error.slice(0, 4000),
        };
      });
      const table = svc.router?.routes();
      return {
        service: svc.service,
        ...(svc.routesRevision !== null ? { routesRevision: svc.routesRevision } : {}),
        routes: { versions: (table?.versions ?? []).map((v) => ({ version: v.version, weight: v.weight ?? 100_000 })) },
        versions,
        router: { versions: routerCounters(svc.router?.stats()) },
        error: svc.problem,
      };
    });
  }

  /** Routers whose listening failed are retried by the next reconcile; this says whether one is due. */
  get needsRetry(): boolean {
    return [...this.services.values()].some((s) => s.port !== undefined && !s.router);
  }

  /** After the signal aborted and the last reconcile ended: close the routers, then stop every process (or let go of them, as a crash would). */
  async shutdown({ keepProcesses = false }: { keepProcesses?: boolean } = {}): Promise<void> {
    const routers = [...this.services.values()].map((s) => s.router).filter((r): r is Router => r !== undefined);
    await Promise.all(routers.map((r) => r.close({ timeoutMs: keepProcesses ? 0 : 5_000 })));
    if (keepProcesses) this.options.supervisor.detach();
    else await this.options.supervisor.stopAll();
    this.services.clear();
  }

  private serviceRuntime(service: string): ServiceRuntime {
    let svc = this.services.get(service);
    if (!svc) {
      svc = { service, port: undefined, router: undefined, routesRevision: null, drainTimeoutMs: DEFAULT_DRAIN_MS, problem: null, versions: new Map() };
      this.services.set(service, svc);
    }
    return svc;
  }

  /** Make sure a desired version exists; returns the wait for it to be ready when it has to start. */
  private async versionFor(svc: ServiceRuntime, dv: DesiredVersion): Promise<Promise<void> | undefined> {
    const fingerprint = fingerprintOf(dv);
    let rt = svc.versions.get(dv.version);
    if (rt && rt.fingerprint === '') rt.fingerprint = fingerprint;
    if (rt?.phase === 'failed') {
      // Failed stays failed for the same deployment; a new deployment (or spec) of it tries again.
      if (rt.fingerprint === fingerprint && rt.deploymentId === dv.deploymentId) return undefined;
      svc.versions.delete(dv.version);
      rt = undefined;
    } else if (rt && rt.fingerprint !== fingerprint) {
      // Same version, other artifact or run spec: restart it in place (a new version avoids the gap).
      this.options.log('info', `${svc.service} ${dv.version}: its spec changed; restarting it`);
      await this.stopProcesses(svc.service, dv.version);
      svc.versions.delete(dv.version);
      rt = undefined;
    }
    if (rt) {
      rt.deploymentId = dv.deploymentId;
      if (rt.restored) {
        // Adopted or restarted on restore: give it the health timeout before routes are computed.
        // (A running version that turns unhealthy later is not waited for: that would hold up a rollback.)
        rt.restored = false;
        if (healthyCount(this.options.supervisor.list({ service: svc.service, version: rt.version })) === 0) return this.waitHealthy(svc.service, rt.version).then(() => undefined);
      }
      return undefined;
    }
    const created: VersionRuntime = { version: dv.version, deploymentId: dv.deploymentId, fingerprint, phase: 'fetching', error: null };
    svc.versions.set(dv.version, created);
    return this.prepare(svc, created, dv);
  }

  /** Fetch, verify, unpack, start and wait for health; any failure leaves the version `failed` and stopped. */
  private async prepare(svc: ServiceRuntime, rt: VersionRuntime, dv: DesiredVersion): Promise<void> {
    const where = `${svc.service} ${dv.version}`;
    try {
      const dir = await this.options.artifacts.ensure({ service: svc.service, version: dv.version, artifact: dv.artifact });
      if (this.closing) return;
      rt.phase = 'starting';
      await this.options.supervisor.start(specOf(svc.service, dv, dir, this.secrets(dv)));
      const results = await this.waitHealthy(svc.service, dv.version);
      if (this.closing) return;
      const bad = results.find((r): r is Extract<WaitHealthyResult, { healthy: false }> => !r.healthy);
      if (bad) {
        const which = bad.instance ? `instance ${bad.instance.index}` : 'an instance';
        const reason = bad.reason === 'exited' ? `crashed while starting: ${which} ${bad.detail}` : `never healthy: ${which} ${bad.detail}`;
        await this.fail(svc, rt, reason);
        return;
      }
      rt.phase = 'running';
      rt.error = null;
      this.options.log('info', `${where}: ready`);
    } catch (err) {
      await this.fail(svc, rt, err instanceof Error ? err.message : String(err));
    }
  }

  /** Stop what started of it, then mark it failed: a failed version has no processes. */
  private async fail(svc: ServiceRuntime, rt: VersionRuntime, reason: string): Promise<void> {
    this.options.log('warn', `${svc.service} ${rt.version}: failed: ${reason}`);
    await this.stopProcesses(svc.service, rt.version);
    rt.phase = 'failed';
    rt.error = reason;
  }

  /** The values of the version's `secrets`, from the agent's environment; a missing one fails the version. */
  private secrets(dv: DesiredVersion): Record<string, string> {
    const values: Record<string, string> = {};
    for (const name of dv.run.secrets ?? []) {
      const value = this.options.secret(name);
      if (value === undefined) throw new AgentError('secret_missing', `secret ${name} is not set in the agent's environment${name.startsWith('GANTRY_') ? ' (GANTRY_* variables are never passed on)' : ''}`, 422);
      values[name] = value;
    }
    return values;
  }

  private async waitHealthy(service: string, version: string): Promise<WaitHealthyResult[]> {
    const wait = this.options.supervisor.waitVersionHealthy(service, version, this.options.healthTimeoutMs);
    const stopped = this.closed.then((): WaitHealthyResult[] => []);
    return Promise.race([wait, stopped]).catch(() => []);
  }

  private async ensureRouter(svc: ServiceRuntime, port: number): Promise<void> {
    if (svc.router && svc.port === port) return;
    const old = svc.router;
    svc.router = undefined;
    svc.port = port;
    svc.routesRevision = null;
    if (old) void old.close({ timeoutMs: svc.drainTimeoutMs });
    const router = createRouter({ service: svc.service });
    try {
      await router.listen(port, this.options.host);
    } catch (err) {
      svc.problem = `cannot listen on ${this.options.host}:${port}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`;
      this.options.log('error', `${svc.service}: ${svc.problem}`);
      await router.close({ timeoutMs: 0 }).catch(() => {});
      return;
    }
    if (old) {
      // The new router starts from the old one's table; the routes are recomputed right after.
      try {
        router.setRoutes(old.routes());
      } catch {
        // an empty router until the new table is set
      }
    }
    svc.router = router;
    svc.problem = null;
  }

  private applyRoutes(svc: ServiceRuntime, ds: DesiredService, revision: number): void {
    const router = svc.router;
    if (!router) return;
    const supervisor = this.options.supervisor;
    const plan = planRoutes(ds.routes, (version) => {
      const rt = svc.versions.get(version);
      return rt?.phase === 'running' ? supervisor.upstreams(svc.service, version, { healthy: true }) : [];
    });
    if (!plan.ok) {
      svc.problem = `routes of revision ${revision} not applied: ${plan.reason}; the table in force stays`;
      return;
    }
    const before = router.routes();
    if (!sameTable(plan.table, before)) {
      try {
        router.setRoutes(plan.table);
      } catch (err) {
        svc.problem = `routes of revision ${revision} are invalid: ${(err as Error).message}`;
        return;
      }
      const weights = (t: { versions: { version: string; weight?: number }[] }) => t.versions.map((v) => `${v.version} ${v.weight ?? 100_000}`).join(', ');
      // Upstreams follow health quietly; a new revision or new weights are worth a line.
      if (svc.routesRevision !== revision || weights(before) !== weights(plan.table)) {
        this.options.log('info', `${svc.service}: routes of revision ${revision} in force (${weights(plan.table) || 'no version'})`);
      }
    }
    svc.routesRevision = revision;
    svc.problem = null;
  }

  /** Out of the routes already: wait for its requests in flight, then stop its processes. */
  private async removeVersion(svc: ServiceRuntime, rt: VersionRuntime): Promise<void> {
    rt.phase = 'stopping';
    if (svc.router && !this.closing) {
      const drained = await svc.router.waitDrained(rt.version, svc.drainTimeoutMs);
      if (!drained) this.options.log('warn', `${svc.service} ${rt.version}: still had requests in flight after ${svc.drainTimeoutMs} ms; stopping anyway`);
    }
    await this.stopProcesses(svc.service, rt.version);
    if (svc.versions.get(rt.version) === rt) svc.versions.delete(rt.version);
    this.options.log('info', `${svc.service} ${rt.version}: stopped`);
  }

  private async removeService(svc: ServiceRuntime): Promise<void> {
    const router = svc.router;
    if (router && router.routes().versions.length > 0) router.setRoutes({ versions: [] });
    await Promise.all([...svc.versions.values()].filter((rt) => rt.phase !== 'stopping').map((rt) => this.removeVersion(svc, rt)));
    if (router) await router.close({ timeoutMs: this.closing ? 0 : svc.drainTimeoutMs });
    if (this.services.get(svc.service) === svc && svc.versions.size === 0) this.services.delete(svc.service);
  }

  private async stopProcesses(service: string, version: string): Promise<void> {
    if (this.options.supervisor.list({ service, version }).length === 0) return;
    try {
      await this.options.supervisor.stop(service, version);
    } catch (err) {
      this.options.log('warn', `${service} ${version}: stop: ${(err as Error).message}`);
    }
  }
}

function specOf(service: string, dv: DesiredVersion, cwd: string, secrets: Record<string, string>): VersionSpec {
  const health = dv.run.health ?? {};
  const defined = Object.fromEntries(Object.entries(health).filter(([, v]) => v !== undefined && v !== null));
  return {
    service,
    version: dv.version,
    command: dv.run.command,
    cwd,
    env: { ...dv.run.env, ...secrets },
    instances: dv.run.instances ?? 1,
    health: defined,
    ...(dv.run.stopTimeoutMs !== undefined ? { stopTimeoutMs: dv.run.stopTimeoutMs } : {}),
  };
}

function notHealthyReason(instances: InstanceInfo[]): string | null {
  if (instances.length === 0) return 'no instance is running';
  const sick = instances.filter((i) => !(i.state === 'running' && i.health === 'healthy'));
  const first = sick[0];
  if (!first) return null;
  const why = first.state === 'backoff' ? (first.lastExit?.reason ?? 'exited') : first.state === 'running' ? `health ${first.health}` : first.state;
  return `${sick.length} of ${instances.length} instances not healthy (instance ${first.index}: ${why})`;
}
