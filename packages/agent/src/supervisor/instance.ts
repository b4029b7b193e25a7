import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { HealthChecker, type HealthCheckSpec, type HealthStatus } from '../health/checker.js';
import type { ProbeResult } from '../health/probe.js';
import { restartDelay, type RestartPolicy } from './backoff.js';
import { LogTail } from './log-tail.js';
import { groupMembers, isProcessAlive, processStartTime, signalGroup } from './process.js';
import type { PersistedProcess } from './state-file.js';
import type { ExitInfo, InstanceInfo, InstanceState, LogLine, VersionSpec } from './types.js';

/** A version spec with its defaults filled in. */
export interface ResolvedSpec extends VersionSpec {
  instances: number;
  health: HealthCheckSpec;
  restart: Required<RestartPolicy>;
  stopTimeoutMs: number;
}

/** What an instance needs from its supervisor. */
export interface InstanceHost {
  readonly host: string;
  readonly baseEnv: Readonly<Record<string, string>>;
  readonly logDir: string;
  readonly logPollMs: number;
  readonly processPollMs: number;
  readonly maxLogFileBytes: number;
  readonly onLog: ((line: LogLine) => void) | undefined;
  stateChanged(instance: Instance, previous: InstanceState, reason: string): void;
  healthChanged(instance: Instance, previous: HealthStatus, detail: string): void;
  processStarted(instance: Instance): void;
  processGone(pid: number): void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function describeExit(code: number | null, signal: string | null): string {
  if (signal) return `killed by ${signal}`;
  return `exited with code ${code}`;
}

/** One instance of a version: its process across restarts, its health, its logs. */
export class Instance {
  state: InstanceState = 'stopped';
  pid: number | undefined;
  startTime: string | null = null;
  startedAt: number | undefined;
  restarts = 0;
  lastExit: ExitInfo | undefined;
  adopted = false;
  private crashes = 0;
  private child: ChildProcess | undefined;
  private backoffTimer: NodeJS.Timeout | undefined;
  private livenessTimer: NodeJS.Timeout | undefined;
  private logTimer: NodeJS.Timeout | undefined;
  private tails: LogTail[] = [];
  private reaping: Promise<void> = Promise.resolve();
  private stopping: Promise<void> | undefined;
  private detached = false;
  /** Between spawn/adopt and stop: an exit now is a crash to restart. */
  private wanted = false;
  private readonly checker: HealthChecker;

  constructor(
    private readonly host: InstanceHost,
    readonly id: string,
    readonly spec: ResolvedSpec,
    readonly index: number,
    readonly port: number,
  ) {
    this.checker = new HealthChecker({
      ...spec.health,
      host: host.host,
      port,
      onChange: (status, previous, result) => this.host.healthChanged(this, previous, result.detail),
    });
  }

  get health(): HealthStatus {
    return this.checker.status;
  }

  get lastProbe(): ProbeResult | undefined {
    return this.checker.last;
  }

  info(): InstanceInfo {
    return {
      id: this.id,
      service: this.spec.service,
      version: this.spec.version,
      index: this.index,
      port: this.port,
      upstream: `${this.host.host.includes(':') ? `[${this.host.host}]` : this.host.host}:${this.port}`,
      pid: this.pid,
      state: this.state,
      health: this.health,
      restarts: this.restarts,
      startedAt: this.startedAt,
      lastExit: this.lastExit,
      adopted: this.adopted,
    };
  }

  /** Start a fresh process (first start, restart after a crash, or in place of a dead adopted one). */
  spawn(reason = 'started'): void {
    this.wanted = true;
    const paths = this.logPaths();
    const out = openSync(paths[0], 'a');
    const err = openSync(paths[1], 'a');
    let child: ChildProcess;
    try {
      const [file, args] = typeof this.spec.command === 'string' ? ['/bin/sh', ['-c', this.spec.command]] : [this.spec.command[0] as string, this.spec.command.slice(1)];
      const env = { ...this.host.baseEnv, ...this.spec.env, PORT: String(this.port), GANTRY_SERVICE: this.spec.service, GANTRY_VERSION: this.spec.version, GANTRY_INSTANCE: this.id };
      child = spawn(file, args, { cwd: this.spec.cwd, env, detached: true, stdio: ['ignore', out, err] });
    } finally {
      closeSync(out);
      closeSync(err);
    }
    this.openLogs(false);
    this.adopted = false;
    if (child.pid === undefined) {
      this.setState('starting', reason);
      child.once('error', (e) => this.exited(null, null, `could not start: ${e.message}`));
      return;
    }
    this.child = child;
    this.pid = child.pid;
    this.startTime = processStartTime(child.pid);
    this.startedAt = Date.now();
    child.on('error', () => {});
    child.once('exit', (code, signal) => this.exited(code, signal));
    this.host.processStarted(this);
    this.checker.reset();
    this.setState('running', reason);
    this.checker.start();
  }

  /** Take over a process an earlier agent run started; its exit is noticed by polling. */
  adopt(record: PersistedProcess): void {
    this.wanted = true;
    this.pid = record.pid;
    this.startTime = record.startTime;
    this.startedAt = Date.parse(record.startedAt);
    this.adopted = true;
    this.openLogs(true);
    this.livenessTimer = setInterval(() => {
      if (!isProcessAlive(record.pid, record.startTime)) this.exited(null, null, 'exited (adopted: exit status unknown)');
    }, this.host.processPollMs);
    this.livenessTimer.unref();
    this.setState('running', 'adopted');
    this.checker.start();
  }

  /** SIGTERM the process group, SIGKILL after `timeoutMs`, and wait until every member is gone. */
  stop(timeoutMs = this.spec.stopTimeoutMs): Promise<void> {
    this.stopping ??= this.doStop(timeoutMs).finally(() => (this.stopping = undefined));
    return this.stopping;
  }

  /** Let go of the process without stopping it, as if the agent died; a later `restore` adopts it. */
  detach(): void {
    this.detached = true;
    clearTimeout(this.backoffTimer);
    clearInterval(this.livenessTimer);
    clearInterval(this.logTimer);
    this.checker.stop();
    for (const tail of this.tails) tail.close();
    this.tails = [];
    this.child?.unref();
  }

  private async doStop(timeoutMs: number): Promise<void> {
    this.wanted = false;
    clearTimeout(this.backoffTimer);
    this.backoffTimer = undefined;
    if (this.state === 'stopped') return;
    const wasRunning = this.state === 'running';
    this.setState('stopping', 'stop requested');
    this.checker.stop();
    let how = 'stopped';
    const pid = this.pid;
    if (wasRunning && pid !== undefined) {
      const exitSeen = this.child ? new Promise<void>((r) => this.child?.once('exit', () => r())) : Promise.resolve();
      signalGroup(pid, 'SIGTERM');
      const deadline = Date.now() + timeoutMs;
      while (groupMembers(pid).length > 0 && Date.now() < deadline) await sleep(50);
      if (groupMembers(pid).length > 0) {
        signalGroup(pid, 'SIGKILL');
        how = `killed with SIGKILL after ${timeoutMs} ms`;
        const hardDeadline = Date.now() + 5000;
        while (groupMembers(pid).length > 0 && Date.now() < hardDeadline) await sleep(50);
      }
      if (this.child) await Promise.race([exitSeen, sleep(2000)]);
      this.lastExit ??= { code: null, signal: null, at: Date.now(), reason: how };
      this.host.processGone(pid);
    } else {
      await this.reaping;
    }
    clearInterval(this.livenessTimer);
    this.finishLogs();
    this.resetHealth('stopped');
    this.child = undefined;
    this.pid = undefined;
    this.setState('stopped', how);
  }

  private exited(code: number | null, signal: string | null, reason?: string): void {
    if (this.detached) return;
    clearInterval(this.livenessTimer);
    this.child = undefined;
    this.checker.stop();
    for (const tail of this.tails) tail.poll();
    const why = reason ?? describeExit(code, signal);
    this.lastExit = { code, signal, at: Date.now(), reason: why };
    if (!this.wanted) return;

    const pid = this.pid;
    this.pid = undefined;
    if (pid !== undefined) this.reaping = this.reap(pid);
    this.resetHealth('process exited');
    if (this.startedAt !== undefined && Date.now() - this.startedAt >= this.spec.restart.resetAfterMs) this.crashes = 0;
    const delay = restartDelay(this.spec.restart, this.crashes++);
    this.setState('backoff', `${why}; restart in ${delay} ms`);
    this.backoffTimer = setTimeout(() => {
      void this.reaping.then(() => {
        if (this.state !== 'backoff' || this.detached) return;
        this.restarts++;
        this.spawn(`restarted after: ${why}`);
      });
    }, delay);
  }

  /** After a crash, kill what is left of the group (shell children) and drop it from the record. */
  private async reap(pid: number): Promise<void> {
    signalGroup(pid, 'SIGKILL');
    const deadline = Date.now() + 5000;
    while (groupMembers(pid).length > 0 && Date.now() < deadline) await sleep(50);
    this.host.processGone(pid);
  }

  private resetHealth(detail: string): void {
    const previous = this.checker.status;
    this.checker.reset();
    if (previous !== 'unknown') this.host.healthChanged(this, previous, detail);
  }

  private setState(state: InstanceState, reason: string): void {
    const previous = this.state;
    this.state = state;
    if (previous !== state) this.host.stateChanged(this, previous, reason);
  }

  private logPaths(): [string, string] {
    return [join(this.host.logDir, `${this.id}.stdout.log`), join(this.host.logDir, `${this.id}.stderr.log`)];
  }

  /** Start following the log files (from their end when taking over from an earlier agent run). */
  openLogs(fromEnd: boolean): void {
    if (this.tails.length > 0) return;
    const paths = this.logPaths();
    for (const [i, stream] of (['stdout', 'stderr'] as const).entries()) {
      closeSync(openSync(paths[i] as string, 'a'));
      const sink = this.host.onLog;
      const emit = (line: string) =>
        sink?.({ instanceId: this.id, service: this.spec.service, version: this.spec.version, stream, line, at: Date.now() });
      this.tails.push(new LogTail(paths[i] as string, emit, this.host.maxLogFileBytes, fromEnd));
    }
    this.logTimer = setInterval(() => {
      for (const tail of this.tails) tail.poll();
    }, this.host.logPollMs);
    this.logTimer.unref();
  }

  private finishLogs(): void {
    clearInterval(this.logTimer);
    for (const tail of this.tails) {
      tail.flush();
      tail.close();
    }
    this.tails = [];
    for (const path of this.logPaths()) rmSync(path, { force: true });
  }
}
