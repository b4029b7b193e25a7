import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { httpRequest, isGone, TEST_SERVICE, waitFor } from '../test-support/index.js';
import { groupMembers } from './process.js';
import type { SupervisorState } from './state-file.js';
import { createSupervisor, type Supervisor, type SupervisorOptions } from './supervisor.js';
import type { LogLine, VersionSpec } from './types.js';

let dir: string;
const running: Supervisor[] = [];
const leftovers: number[] = [];

const spec = (version: string): VersionSpec => ({
  service: 'api',
  version,
  command: [process.execPath, TEST_SERVICE],
  env: { VERSION: version },
  health: { path: '/health', intervalMs: 100 },
});

const make = (extra: Partial<SupervisorOptions> = {}) => {
  const s = createSupervisor({ stateDir: dir, baseEnv: { PATH: process.env.PATH ?? '' }, logPollMs: 50, processPollMs: 100, ...extra });
  running.push(s);
  return s;
};

/** The agent "dies": its processes keep running, its memory is gone. */
async function firstRun(versions: string[]) {
  const a = make();
  const started = [];
  for (const v of versions) {
    const [instance] = await a.start(spec(v));
    expect((await a.waitHealthy(instance!.id, 20_000)).healthy).toBe(true);
    started.push(instance!);
  }
  a.detach();
  leftovers.push(...started.map((i) => i.pid!));
  return started;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gantry-restore-'));
});

afterEach(async () => {
  for (const s of running.splice(0)) await s.stopAll({ timeoutMs: 2000 }).catch(() => {});
  for (const pid of leftovers.splice(0)) if (!isGone(pid)) process.kill(-pid, 'SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

describe('adoption after an agent restart', () => {
  it('adopts a live, healthy process as it runs and keeps reading its logs', async () => {
    const [before] = await firstRun(['1']);
    const logs: LogLine[] = [];
    const b = make({ onLog: (l) => logs.push(l) });
    const report = await b.restore();
    expect(report.adopted.map((i) => [i.id, i.pid, i.port])).toEqual([[before!.id, before!.pid, before!.port]]);
    expect(report.restarted).toEqual([]);
    expect(b.get(before!.id)).toMatchObject({ adopted: true, state: 'running' });
    expect((await b.waitHealthy(before!.id, 20_000)).healthy).toBe(true);

    await httpRequest(before!.port, '/log?line=after-adoption');
    await waitFor(() => logs.some((l) => l.line === 'after-adoption' && l.instanceId === before!.id), { what: 'the adopted log line' });

    await b.stop('api', '1');
    expect(isGone(before!.pid!)).toBe(true);
  });

  it('notices an adopted process that exits and restarts it', async () => {
    const [before] = await firstRun(['1']);
    const b = make();
    await b.restore();
    process.kill(-before!.pid!, 'SIGKILL');
    await waitFor(() => b.get(before!.id)!.restarts >= 1 && b.get(before!.id)!.state === 'running', { what: 'the restart' });
    expect((await b.waitHealthy(before!.id, 20_000)).healthy).toBe(true);
    expect(b.get(before!.id)).toMatchObject({ adopted: false, port: before!.port });
  });

  it('starts an instance again on its port when its process died while the agent was away', async () => {
    const [before] = await firstRun(['1']);
    process.kill(-before!.pid!, 'SIGKILL');
    await waitFor(() => groupMembers(before!.pid!).length === 0, { what: 'the process to die' });
    const b = make();
    const report = await b.restore();
    expect(report.adopted).toEqual([]);
    expect(report.restarted).toEqual([{ instance: expect.objectContaining({ id: before!.id, port: before!.port }), reason: 'not running' }]);
    expect((await b.waitHealthy(before!.id, 20_000)).healthy).toBe(true);
    expect(b.get(before!.id)!.pid).not.toBe(before!.pid);
    expect((await httpRequest(before!.port, '/')).body).toBe('1');
  });

  it('kills processes it started that no wanted version owns any more, by recorded pid only', async () => {
    const [keep, drop] = await firstRun(['1', '2']);
    // The agent recorded "version 2 is no longer wanted" and died before stopping it.
    const file = join(dir, 'state.json');
    const state = JSON.parse(readFileSync(file, 'utf8')) as SupervisorState;
    state.versions = state.versions.filter((v) => v.spec.version !== '2');
    writeFileSync(file, JSON.stringify(state));

    const b = make();
    const report = await b.restore();
    expect(report.adopted.map((i) => i.id)).toEqual([keep!.id]);
    expect(report.killed).toEqual([expect.objectContaining({ pid: drop!.pid, instanceId: drop!.id, version: '2' })]);
    expect(isGone(drop!.pid!)).toBe(true);
    expect(isGone(keep!.pid!)).toBe(false);
    const after = JSON.parse(readFileSync(file, 'utf8')) as SupervisorState;
    expect(after.processes.map((p) => p.pid)).toEqual([keep!.pid]);
  });

  it('must run before any start', async () => {
    const b = make();
    await b.start(spec('9'));
    await expect(b.restore()).rejects.toMatchObject({ code: 'restore_after_start' });
  });
});
