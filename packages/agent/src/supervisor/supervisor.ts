import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { defaultChildEnvironment } from '../config/env.js';
import { SupervisorError } from '../errors.js';
import type { HealthStatus } from '../health/checker.js';
import { allocatePort } from './ports.js';
import { Instance, type InstanceHost } from './instance.js';
import { readState, writeState, type PersistedProcess, type SupervisorState } from './state-file.js';
import { restoreFromState, killUnknown, type KilledProcess, type RestoreReport } from './restore.js';
import { resolveSpec } from './spec.js';
import type { HealthChangeEvent, InstanceInfo, InstanceState, LogLine, StateChangeEvent, VersionSpec, WaitHealthyResult } from './types.js';

export interface SupervisorOptions {
  /** Directory for the state file (`state.json`) and the instances' log files; created if missing. */
  stateDir: string;
  /** Address instances listen on and are probed at (default `127.0.0.1`). */
  host?: string;
  /**
   * Environment every process starts from, before the version's own `env` and `PORT`. Default:
   * `PATH`, `HOME`, `LANG`, `LC_ALL`, `TZ`, `TMPDIR` of the agent — nothing else leaks (no agent token).
   */
  baseEnv?: Record<string, string>;
  /** Log sink: every line an instance writes to stdout or stderr. */
  onLog?: (line: LogLine) => void;
  /** How often log files are read (default 200 ms). */
  logPollMs?: number;
  /** A log file is truncated once fully read past this size (default 1 MiB). */
  maxLogFileBytes?: number;
  /** How often an adopted process (not our child) is checked for exit (default 500 ms). */
  processPollMs?: number;
}

/**
 * Runs the instances of versions as child processes: ports, environment, logs, restarts with
 * backoff, health checks, graceful stop of whole process groups, and a state file for adoption.
 *
 * @example
 * const supervisor = createSupervisor({ stateDir: '/var/lib/gantry-agent', onLog: (l) => ship(l) });
 * await supervisor.restore(); // adopt what an earlier agent run left running
 * const [instance] = await supervisor.start({ service: 'web', version: '42', command: 'node server.js',
 *   cwd: '/srv/web/42', health: { path: '/health' } });
 * const result = await supervisor.waitHealthy(instance.id, 30_000);
 * if (result.healthy) router.setRoutes({ versions: [{ version: '42', upstreams: supervisor.upstreams('web', '42') }] });
 */
export interface Supervisor {
  /** Start every instance of a version, each on a free port; resolves once spawned (not yet healthy). */
  start(spec: VersionSpec): Promise<InstanceInfo[]>;
  /** Stop a version's instances (SIGTERM, SIGKILL after the timeout) and forget it. */
  stop(service: string, version: string, options?: { timeoutMs?: number }): Promise<void>;
  stopAll(options?: { timeoutMs?: number }): Promise<void>;
  list(filter?: { service?: string; version?: string }): InstanceInfo[];
  get(instanceId: string): InstanceInfo | undefined;
  /** `host:port` of each instance of a version (only the healthy ones with `{ healthy: true }`), for the router's route table. */
  upstreams(service: string, version: string, options?: { healthy?: boolean }): string[];
  /** Resolves when the instance is healthy, or failed: it exited, was stopped, or `timeoutMs` passed. */
  waitHealthy(instanceId: string, timeoutMs: number): Promise<WaitHealthyResult>;
  /** `waitHealthy` for every instance of a version, in parallel. */
  waitVersionHealthy(service: string, version: string, timeoutMs: number): Promise<WaitHealthyResult[]>;
  /**
   * After an agent restart, before any `start`: adopt each recorded instance whose process is
   * alive and answers its health check, start the others again on their ports, and kill the
   * recorded processes no wanted instance owns.
   */
  restore(): Promise<RestoreReport>;
  /** Kill process groups this agent started (per the state file) that no current instance owns. */
  killUnknownProcesses(): Promise<KilledProcess[]>;
  on(event: 'state', listener: (event: StateChangeEvent) => void): () => void;
  on(event: 'health', listener: (event: HealthChangeEvent) => void): () => void;
  /** Let go of every process without stopping it (as a crashed agent would); the supervisor is unusable after. */
  detach(): void;
}

interface VersionEntry {
  spec: VersionSpec;
  instances: Instance[];
}

const key = (service: string, version: string) => `${service}\u0000${version}`;
const safe = (text: string) => text.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 60);

class ProcessSupervisor implements Supervisor, InstanceHost {
  readonly host: string;
  readonly baseEnv: Readonly<Record<string, string>>;
  readonly logDir: string;
  readonly logPollMs: number;
  readonly processPollMs: number;
  readonly maxLogFileBytes: number;
  readonly onLog: ((line: LogLine) => void) | undefined;
  private readonly stateFile: string;
  private readonly versions = new Map<string, VersionEntry>();
  private readonly instances = new Map<string, Instance>();
  /** Every process group started and not yet seen gone, by pid. */
  readonly ledger = new Map<number, PersistedProcess>();
  private readonly ports = new Set<number>();
  private readonly stateListeners = new Set<(e: StateChangeEvent) => void>();
  private readonly healthListeners = new Set<(e: HealthChangeEvent) => void>();
  private detached = false;

  constructor(options: SupervisorOptions) {
    this.host = options.host ?? '127.0.0.1';
    this.baseEnv = options.baseEnv ?? defaultChildEnvironment();
    this.logDir = join(options.stateDir, 'logs');
    this.stateFile = join(options.stateDir, 'state.json');
    this.logPollMs = options.logPollMs ?? 200;
    this.processPollMs = options.processPollMs ?? 500;
    this.maxLogFileBytes = options.maxLogFileBytes ?? 1024 * 1024;
    this.onLog = options.onLog;
    mkdirSync(this.logDir, { recursive: true, mode: 0o700 });
  }

  async start(input: VersionSpec): Promise<InstanceInfo[]> {
    this.assertAttached();
    const spec = resolveSpec(input);
    const k = key(spec.service, spec.version);
    if (this.versions.has(k)) throw new SupervisorError('version_running', `${spec.service} version ${spec.version} is already supervised`);
    const entry: VersionEntry = { spec: input, instances: [] };
    this.versions.set(k, entry);
    const tag = randomBytes(3).toString('hex');
    for (let index = 0; index < spec.instances; index++) {
      const port = await allocatePort(this.host, this.ports);
      this.ports.add(port);
      const instance = new Instance(this, `${safe(spec.service)}.${safe(spec.version)}.${index}.${tag}`, spec, index, port);
      entry.instances.push(instance);
      this.instances.set(instance.id, instance);
    }
    this.persist();
    for (const instance of entry.instances) instance.spawn();
    return entry.instances.map((i) => i.info());
  }

  async stop(service: string, version: string, options: { timeoutMs?: number } = {}): Promise<void> {
    this.assertAttached();
    const entry = this.versions.get(key(service, version));
    if (!entry) throw new SupervisorError('version_unknown', `${service} version ${version} is not supervised`);
    this.versions.delete(key(service, version));
    this.persist();
    await Promise.all(entry.instances.map((i) => i.stop(options.timeoutMs)));
    for (const instance of entry.instances) {
      this.instances.delete(instance.id);
      this.ports.delete(instance.port);
    }
  }

  async stopAll(options: { timeoutMs?: number } = {}): Promise<void> {
    const all = [...this.versions.values()].map((e) => e.spec);
    await Promise.all(all.map((s) => this.stop(s.service, s.version, options)));
  }

  list(filter: { service?: string; version?: string } = {}): InstanceInfo[] {
    return [...this.instances.values()]
      .filter((i) => (filter.service === undefined || i.spec.service === filter.service) && (filter.version === undefined || i.spec.version === filter.version))
      .map((i) => i.info());
  }

  get(instanceId: string): InstanceInfo | undefined {
    return this.instances.get(instanceId)?.info();
  }

  upstreams(service: string, version: string, options: { healthy?: boolean } = {}): string[] {
    return (this.versions.get(key(service, version))?.instances ?? [])
      .filter((i) => !options.healthy || (i.state === 'running' && i.health === 'healthy'))
      .map((i) => i.info().upstream);
  }

  waitHealthy(instanceId: string, timeoutMs: number): Promise<WaitHealthyResult> {
    const instance = this.instances.get(instanceId);
    if (!instance) return Promise.reject(new SupervisorError('instance_unknown', `no instance ${instanceId}`));
    const verdict = (): WaitHealthyResult | undefined => {
      if (instance.state === 'running' && instance.health === 'healthy') return { healthy: true, instance: instance.info() };
      if (instance.state === 'backoff') return { healthy: false, instance: instance.info(), reason: 'exited', detail: instance.lastExit?.reason ?? 'exited' };
      if (instance.state === 'stopping' || instance.state === 'stopped') return { healthy: false, instance: instance.info(), reason: 'stopped', detail: 'the instance was stopped' };
      return undefined;
    };
    const now = verdict();
    if (now) return Promise.resolve(now);
    return new Promise((resolve) => {
      const done = (result: WaitHealthyResult) => {
        offState();
        offHealth();
        clearTimeout(timer);
        resolve(result);
      };
      const onChange = (e: { instance: InstanceInfo }) => {
        if (e.instance.id !== instanceId) return;
        const result = verdict();
        if (result) done(result);
      };
      const offState = this.on('state', onChange);
      const offHealth = this.on('health', onChange);
      const timer = setTimeout(() => {
        const last = instance.lastProbe;
        const detail = `not healthy within ${timeoutMs} ms (last probe: ${last ? last.detail : 'none yet'})`;
        done({ healthy: false, instance: instance.info(), reason: 'timeout', detail });
      }, timeoutMs);
    });
  }

  waitVersionHealthy(service: string, version: string, timeoutMs: number): Promise<WaitHealthyResult[]> {
    const entry = this.versions.get(key(service, version));
    if (!entry) return Promise.reject(new SupervisorError('version_unknown', `${service} version ${version} is not supervised`));
    return Promise.all(entry.instances.map((i) => this.waitHealthy(i.id, timeoutMs)));
  }

  async restore(): Promise<RestoreReport> {
    this.assertAttached();
    if (this.versions.size > 0) throw new SupervisorError('restore_after_start', 'restore() must come before any start()');
    const state = readState(this.stateFile);
    return restoreFromState(state, {
      ledger: this.ledger,
      persist: () => this.persist(),
      create: (spec, id, index, port) => {
        const resolved = resolveSpec(spec);
        const instance = new Instance(this, id, resolved, index, port);
        const k = key(resolved.service, resolved.version);
        const entry = this.versions.get(k) ?? { spec, instances: [] };
        this.versions.set(k, entry);
        entry.instances.push(instance);
        this.instances.set(id, instance);
        this.ports.add(port);
        return instance;
      },
      owned: () => new Set([...this.instances.values()].map((i) => i.pid).filter((p): p is number => p !== undefined)),
      host: this.host,
    });
  }

  killUnknownProcesses(): Promise<KilledProcess[]> {
    this.assertAttached();
    const owned = new Set([...this.instances.values()].map((i) => i.pid).filter((p): p is number => p !== undefined));
    return killUnknown(this.ledger, owned, () => this.persist());
  }

  on(event: 'state' | 'health', listener: ((e: StateChangeEvent) => void) | ((e: HealthChangeEvent) => void)): () => void {
    const set = (event === 'state' ? this.stateListeners : this.healthListeners) as Set<typeof listener>;
    set.add(listener);
    return () => set.delete(listener);
  }

  detach(): void {
    this.detached = true;
    for (const instance of this.instances.values()) instance.detach();
  }

  stateChanged(instance: Instance, previous: InstanceState, reason: string): void {
    const event = { instance: instance.info(), previous, reason };
    for (const listener of this.stateListeners) listener(event);
  }

  healthChanged(instance: Instance, previous: HealthStatus, detail: string): void {
    const event = { instance: instance.info(), previous, detail };
    for (const listener of this.healthListeners) listener(event);
  }

  processStarted(instance: Instance): void {
    if (instance.pid === undefined) return;
    this.ledger.set(instance.pid, {
      instanceId: instance.id,
      service: instance.spec.service,
      version: instance.spec.version,
      pid: instance.pid,
      startTime: instance.startTime,
      port: instance.port,
      command: instance.spec.command,
      startedAt: new Date(instance.startedAt ?? Date.now()).toISOString(),
    });
    this.persist();
  }

  processGone(pid: number): void {
    if (this.detached) return;
    if (this.ledger.delete(pid)) this.persist();
  }

  private persist(): void {
    if (this.detached) return;
    const state: SupervisorState = {
      format: 1,
      versions: [...this.versions.values()].map((e) => ({ spec: e.spec, instances: e.instances.map((i) => ({ id: i.id, port: i.port })) })),
      processes: [...this.ledger.values()],
    };
    writeState(this.stateFile, state);
  }

  private assertAttached(): void {
    if (this.detached) throw new SupervisorError('detached', 'this supervisor was detached from its processes');
  }
}

/** Create a supervisor whose state and logs live in `options.stateDir`. */
export function createSupervisor(options: SupervisorOptions): Supervisor {
  return new ProcessSupervisor(options);
}
