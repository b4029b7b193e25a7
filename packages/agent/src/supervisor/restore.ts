import { HEALTH_DEFAULTS } from '../health/checker.js';
import { probe } from '../health/probe.js';
import type { Instance } from './instance.js';
import { isProcessAlive, recordedGroupAlive, terminateGroup } from './process.js';
import type { PersistedProcess, SupervisorState } from './state-file.js';
import type { InstanceInfo, VersionSpec } from './types.js';

export interface RestoreReport {
  /** Instances whose process was alive and healthy: taken over as they run. */
  adopted: InstanceInfo[];
  /** Instances started again, and why (`not running`, `did not answer its health check`). */
  restarted: { instance: InstanceInfo; reason: string }[];
  /** Process groups this agent had started that no wanted instance owns any more. */
  killed: KilledProcess[];
}

export interface KilledProcess {
  pid: number;
  instanceId: string;
  service: string;
  version: string;
  command: string | string[];
}

export interface RestoreContext {
  ledger: Map<number, PersistedProcess>;
  persist(): void;
  create(spec: VersionSpec, id: string, index: number, port: number): Instance;
  owned(): Set<number>;
  host: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function answersHealth(instance: Instance, host: string): Promise<boolean> {
  const health = instance.spec.health;
  for (let attempt = 0; attempt < 3; attempt++) {
    const result = await probe({ host, port: instance.port, path: health.path, timeoutMs: health.timeoutMs ?? HEALTH_DEFAULTS.timeoutMs });
    if (result.ok) return true;
    await sleep(200);
  }
  return false;
}

/** The body of `Supervisor.restore()`: adopt, restart, then kill what nobody wants. */
export async function restoreFromState(state: SupervisorState, ctx: RestoreContext): Promise<RestoreReport> {
  for (const record of state.processes) {
    if (recordedGroupAlive(record.pid, record.startTime)) ctx.ledger.set(record.pid, record);
  }
  const byInstance = new Map([...ctx.ledger.values()].map((p) => [p.instanceId, p]));
  const report: RestoreReport = { adopted: [], restarted: [], killed: [] };

  for (const version of state.versions) {
    for (const [index, wanted] of version.instances.entries()) {
      const instance = ctx.create(version.spec, wanted.id, index, wanted.port);
      const record = byInstance.get(wanted.id);
      let reason = 'not running';
      if (record && isProcessAlive(record.pid, record.startTime)) {
        if (await answersHealth(instance, ctx.host)) {
          instance.adopt(record);
          report.adopted.push(instance.info());
          continue;
        }
        reason = 'did not answer its health check';
      }
      if (record) {
        await terminateGroup(record.pid, instance.spec.stopTimeoutMs);
        ctx.ledger.delete(record.pid);
      }
      instance.openLogs(true); // lines of the earlier process stay in the file, not re-sent
      instance.spawn(`restarted on restore: ${reason}`);
      report.restarted.push({ instance: instance.info(), reason });
    }
  }
  report.killed = await killUnknown(ctx.ledger, ctx.owned(), () => ctx.persist());
  return report;
}

/** Kill every recorded process group that no instance owns; only pids from the record, never by name. */
export async function killUnknown(ledger: Map<number, PersistedProcess>, owned: ReadonlySet<number>, persist: () => void): Promise<KilledProcess[]> {
  const killed: KilledProcess[] = [];
  for (const record of [...ledger.values()]) {
    if (owned.has(record.pid)) continue;
    if (recordedGroupAlive(record.pid, record.startTime)) {
      await terminateGroup(record.pid, 5_000);
      killed.push({ pid: record.pid, instanceId: record.instanceId, service: record.service, version: record.version, command: record.command });
    }
    ledger.delete(record.pid);
  }
  persist();
  return killed;
}
