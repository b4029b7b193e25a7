import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { hostname as osHostname } from 'node:os';
import { join } from 'node:path';
import { defaultChildEnvironment, hostSecret } from '../config/env.js';
import { AgentError } from '../errors.js';
import { createSupervisor, type Supervisor } from '../supervisor/supervisor.js';
import type { LogLine } from '../supervisor/types.js';
import { ArtifactStore } from './artifacts.js';
import { Backoff } from './backoff.js';
import { AgentApiError, createApiClient, type ApiClient } from './client.js';
import { Converger } from './converge.js';
import { parseDesiredState } from './desired.js';
import { LogShipper } from './log-shipper.js';
import { readJson, writeJsonAtomic } from '../persist.js';
import type { Agent, AgentEvents, AgentLogEntry, AgentOptions, AgentStatus } from './options.js';
import type { DesiredState, StatusReport } from './types.js';

const { version: AGENT_VERSION } = createRequire(import.meta.url)('../../package.json') as { version: string };

export type { Agent, AgentEvents, AgentLogEntry, AgentOptions, AgentStatus };

class HostAgent implements Agent {
  private readonly api: ApiClient;
  private readonly stateDir: string;
  private readonly listeners = new Map<keyof AgentEvents, Set<(...args: unknown[]) => void>>();
  private readonly abort = new AbortController();
  private readonly logs: LogShipper;
  private supervisor: Supervisor | undefined;
  private converger: Converger | undefined;
  private id: string | undefined;
  private environment: string | undefined;
  private registered = false;
  private everRegistered = false;
  private connected = false;
  private lastError: string | null = null;
  private fatal: string | null = null;
  private desired: DesiredState | undefined;
  private etag: string | undefined;
  private appliedRevision: number | null = null;
  private reconciling: Promise<void> | undefined;
  private again = false;
  private lastSignature = '';
  private reporting = false;
  private reportAgain = false;
  private starting: Promise<void> | undefined;
  private timers: NodeJS.Timeout[] = [];
  private healthTimer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  private state: 'new' | 'started' | 'stopping' | 'stopped' = 'new';
  private stopped: Promise<void> | undefined;

  constructor(private readonly options: AgentOptions) {
    if (!options.server || !/^https?:\/\//i.test(options.server)) throw new AgentError('invalid_options', 'server must be an http(s):// URL', 400);
    if (!options.token) throw new AgentError('invalid_options', 'token is required', 400);
    if (!options.name) throw new AgentError('invalid_options', 'name is required', 400);
    if (!options.stateDir) throw new AgentError('invalid_options', 'stateDir is required', 400);
    this.stateDir = options.stateDir;
    this.api = createApiClient({ server: options.server, token: options.token, fetch: options.fetch ?? fetch });
    this.logs = new LogShipper({
      send: (lines) => this.api.logs(this.id!, lines, this.abort.signal),
      maxBuffered: options.maxBufferedLogLines,
      flushMs: options.logFlushMs,
      onError: (err) => this.problem(err),
    });
  }

  on<E extends keyof AgentEvents>(event: E, listener: AgentEvents[E]): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener as (...args: unknown[]) => void);
    return () => set.delete(listener as (...args: unknown[]) => void);
  }

  start(): Promise<void> {
    if (this.state !== 'new') return Promise.reject(new AgentError('agent_started', 'an agent starts once; create a new one', 409));
    this.state = 'started';
    this.starting = this.doStart();
    return this.starting;
  }

  private async doStart(): Promise<void> {
    mkdirSync(this.stateDir, { recursive: true, mode: 0o700 });
    try {
      const saved = readJson(this.file('agent.json')) as { id?: string; environment?: string } | undefined;
      this.id = saved?.id;
      this.environment = saved?.environment;
    } catch (err) {
      this.log('warn', `ignoring agent.json (registration gives the id again): ${(err as Error).message}`);
    }
    try {
      const persisted = readJson(this.file('desired.json'));
      if (persisted !== undefined) this.desired = parseDesiredState(persisted);
    } catch (err) {
      this.log('warn', `ignoring the persisted desired state: ${(err as Error).message}`);
    }

    const baseEnv = defaultChildEnvironment();
    this.supervisor = createSupervisor({ stateDir: this.file('supervisor'), baseEnv, onLog: (line) => this.shipLine(line) });
    this.converger = new Converger({
      supervisor: this.supervisor,
      artifacts: new ArtifactStore({ dir: this.file('artifacts'), fetch: this.options.fetch ?? fetch, baseEnv, timeoutMs: this.options.artifactTimeoutMs, signal: this.abort.signal }),
      host: this.options.host ?? '127.0.0.1',
      healthTimeoutMs: this.options.healthTimeoutMs ?? 60_000,
      signal: this.abort.signal,
      secret: (name) => hostSecret(name),
      log: (level, message) => this.log(level, message),
    });
    const restored = await this.converger.restore();
    if (restored.adopted.length + restored.restarted.length + restored.killed.length > 0) {
      this.log('info', `restored: ${restored.adopted.length} instances adopted, ${restored.restarted.length} restarted, ${restored.killed.length} unknown processes stopped`);
    }
    if (this.state !== 'started') return; // stopped while restoring
    this.supervisor.on('health', () => this.healthChanged());

    this.polling = this.pollLoop();
    const every = (ms: number, fn: () => void) => {
      const timer = setInterval(fn, ms);
      timer.unref();
      this.timers.push(timer);
    };
    every(this.options.reportIntervalMs ?? 2_000, () => void this.report());
    // A resync now and then: routers that could not listen are retried, missed health changes caught.
    every(10_000, () => void this.reconcile());
    if (this.desired) await this.reconcile();
  }

  stop({ keepProcesses = false }: { keepProcesses?: boolean } = {}): Promise<void> {
    this.stopped ??= this.shutdown(keepProcesses);
    return this.stopped;
  }

  status(): AgentStatus {
    return {
      id: this.id,
      name: this.options.name,
      environment: this.environment,
      registered: this.registered,
      connected: this.connected,
      desiredRevision: this.desired?.revision ?? null,
      appliedRevision: this.appliedRevision,
      lastError: this.lastError,
      fatal: this.fatal,
      logs: { buffered: this.logs.buffered, shipped: this.logs.shipped, dropped: this.logs.dropped },
      services: this.converger?.report() ?? [],
    };
  }

  private async shutdown(keepProcesses: boolean): Promise<void> {
    const wasStarted = this.state === 'started';
    this.state = 'stopping';
    for (const timer of this.timers) clearInterval(timer);
    clearTimeout(this.healthTimer);
    this.abort.abort();
    if (!wasStarted) {
      this.state = 'stopped';
      return;
    }
    await this.starting?.catch(() => {});
    await this.polling;
    // A reconcile under way ends early: fetches are aborted and waits for health give up.
    await this.reconciling?.catch(() => {});
    await this.converger?.shutdown({ keepProcesses });
    this.logs.pause();
    this.state = 'stopped';
    this.log('info', keepProcesses ? 'stopped; processes left running' : 'stopped');
  }

  private async pollLoop(): Promise<void> {
    const backoff = new Backoff(250, this.options.maxBackoffMs ?? 10_000);
    const wait = this.options.pollWaitSeconds ?? 25;
    while (this.state === 'started') {
      try {
        if (!this.registered) {
          await this.register();
        } else {
          const answer = await this.api.desired(this.id!, this.etag, wait, this.abort.signal);
          this.connected = true;
          if (answer.changed) this.accept(answer.body, answer.etag);
        }
        backoff.reset();
      } catch (err) {
        if (this.state !== 'started') return;
        const error = err instanceof AgentError ? err : new AgentError('agent_failure', String(err));
        if (error instanceof AgentApiError && error.httpStatus !== 0) this.connected = true;
        else this.connected = false;
        if (error instanceof AgentApiError && error.httpStatus === 404 && this.registered) {
          // The server forgot this agent (its database was replaced): register again.
          this.registered = false;
          this.problem(error);
          continue;
        }
        if ((error instanceof AgentApiError && error.refused && !this.everRegistered) || error.code === 'environment_mismatch') {
          this.fatal = error.message;
          this.lastError = error.message;
          this.log('error', error.message);
          this.emit('fatal', error);
          return;
        }
        this.problem(error);
        const delay = error instanceof AgentApiError && error.refused ? (this.options.refusedRetryMs ?? 60_000) : backoff.next();
        await sleep(delay, this.abort.signal);
      }
    }
  }

  private async register(): Promise<void> {
    const registration = await this.api.register({ name: this.options.name, hostname: this.options.hostname ?? osHostname(), version: AGENT_VERSION }, this.abort.signal);
    if (this.options.environment && registration.environment && registration.environment !== this.options.environment) {
      throw new AgentError('environment_mismatch', `the token belongs to environment "${registration.environment}", not "${this.options.environment}"`, 403);
    }
    this.id = registration.id;
    this.environment = registration.environment;
    writeJsonAtomic(this.file('agent.json'), { id: registration.id, name: this.options.name, environment: registration.environment, server: this.options.server });
    this.registered = true;
    this.everRegistered = true;
    this.connected = true;
    this.lastError = null;
    this.logs.resume();
    this.log('info', `registered as ${registration.id} in ${registration.environment}`);
    this.emit('registered', registration);
    void this.report();
  }

  private accept(body: unknown, etag: string | undefined): void {
    let desired: DesiredState;
    try {
      desired = parseDesiredState(body);
    } catch (err) {
      // Not acted on; remember its tag so the long poll waits for the next change instead of spinning.
      const revision = (body as { revision?: unknown } | null)?.revision;
      this.etag = etag ?? (typeof revision === 'number' ? `"${revision}"` : this.etag);
      this.problem(err);
      return;
    }
    this.etag = etag ?? `"${desired.revision}"`;
    if (this.desired && this.desired.revision === desired.revision && JSON.stringify(this.desired) === JSON.stringify(desired)) return;
    writeJsonAtomic(this.file('desired.json'), desired);
    this.desired = desired;
    this.log('info', `desired state revision ${desired.revision}`);
    this.emit('desired', desired.revision);
    void this.reconcile();
  }

  /** Run a converge; one at a time, and a request during one runs one more pass with the latest desired state. */
  private reconcile(): Promise<void> {
    if (this.state !== 'started' || !this.desired) return Promise.resolve();
    if (this.reconciling) {
      this.again = true;
      return this.reconciling;
    }
    this.reconciling = (async () => {
      do {
        this.again = false;
        const desired = this.desired!;
        try {
          await this.converger!.reconcile(desired);
        } catch (err) {
          this.problem(err);
        }
        if (this.state !== 'started') return;
        if (this.appliedRevision !== desired.revision) {
          this.appliedRevision = desired.revision;
          this.emit('converged', { revision: desired.revision });
        }
        const signature = JSON.stringify([desired.revision, ...this.converger!.report().map((s) => [s.service, s.routesRevision, s.routes, s.error, s.versions.map((v) => [v.version, v.state, v.healthyInstances, v.error])])]);
        if (signature !== this.lastSignature) {
          this.lastSignature = signature;
          void this.report();
        }
      } while (this.again && this.state === 'started');
    })().finally(() => (this.reconciling = undefined));
    return this.reconciling;
  }

  private healthChanged(): void {
    if (this.healthTimer || this.state !== 'started') return;
    this.healthTimer = setTimeout(() => {
      this.healthTimer = undefined;
      void this.reconcile();
    }, 20);
  }

  private async report(): Promise<void> {
    if (!this.registered || this.state !== 'started') return;
    if (this.reporting) {
      this.reportAgain = true;
      return;
    }
    this.reporting = true;
    this.reportAgain = false;
    try {
      // Output first, including a batch the flush timer already has on its way: a deployment may
      // finish on this report, and its log closes when it does.
      await this.logs.flush();
      const report: StatusReport = { ...(this.desired ? { desiredRevision: this.desired.revision } : {}), services: this.converger!.report() };
      await this.api.status(this.id!, report, this.abort.signal);
      this.emit('report', report);
    } catch (err) {
      if (this.state === 'started') this.problem(err);
    } finally {
      this.reporting = false;
    }
    // A converge finished while that report was on its way: send its outcome now, not at the next tick.
    if (this.reportAgain) void this.report();
  }

  private shipLine(line: LogLine): void {
    this.logs.push({
      deploymentId: this.converger?.deploymentIdOf(line.service, line.version) ?? null,
      service: line.service,
      version: line.version,
      instance: line.instanceId.slice(0, 128),
      stream: line.stream,
      message: line.line,
      at: new Date(line.at).toISOString(),
    });
  }

  private problem(err: unknown): void {
    const error = err instanceof AgentError ? err : new AgentError('agent_failure', err instanceof Error ? err.message : String(err));
    if (this.lastError !== error.message) this.log('warn', error.message);
    this.lastError = error.message;
    this.emit('error', error);
  }

  private emit<E extends keyof AgentEvents>(event: E, ...args: Parameters<AgentEvents[E]>): void {
    for (const listener of this.listeners.get(event) ?? []) {
      try {
        listener(...args);
      } catch {
        // a listener's failure is its own
      }
    }
  }

  private log(level: AgentLogEntry['level'], message: string): void {
    this.options.log?.({ level, message });
  }

  private file(name: string): string {
    return join(this.stateDir, name);
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done);
  });
}

/** Create a host agent; nothing happens until `start()`. */
export function createAgent(options: AgentOptions): Agent {
  return new HostAgent(options);
}
