import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SupervisorError } from '../errors.js';
import { httpRequest, isGone, TEST_SERVICE, waitFor } from '../test-support/index.js';
import type { StateChangeEvent, LogLine, VersionSpec, HealthChangeEvent } from './types.js';
import { createSupervisor, type Supervisor } from './supervisor.js';

let dir: string;
let supervisor: Supervisor;
let logs: LogLine[];
let states: StateChangeEvent[];
let healths: HealthChangeEvent[];

const node = (env: Record<string, string> = {}, extra: Partial<VersionSpec> = {}): VersionSpec => ({
  service: 'web',
  version: '1',
  command: [process.execPath, TEST_SERVICE],
  env: { VERSION: '1', ...env },
  health: { path: '/health', intervalMs: 100, timeoutMs: 2000 },
  ...extra,
});

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gantry-supervisor-'));
  logs = [];
  states = [];
  healths = [];
  supervisor = createSupervisor({ stateDir: dir, baseEnv: { PATH: process.env.PATH ?? '' }, onLog: (l) => logs.push(l), logPollMs: 50 });
  supervisor.on('state', (e) => states.push(e));
  supervisor.on('health', (e) => healths.push(e));
});

afterEach(async () => {
  await supervisor.stopAll({ timeoutMs: 2000 }).catch(() => {});
  rmSync(dir, { recursive: true, force: true });
});

describe('start and stop', () => {
  it('runs instances on their own ports with PORT and the given env, healthy, and stops them', async () => {
    const instances = await supervisor.start(node({ VERSION: 'v7' }, { instances: 2 }));
    expect(instances).toHaveLength(2);
    expect(instances[0]!.port).not.toBe(instances[1]!.port);
    expect(supervisor.upstreams('web', '1')).toEqual(instances.map((i) => `127.0.0.1:${i.port}`));
    const results = await supervisor.waitVersionHealthy('web', '1', 20_000);
    expect(results.map((r) => r.healthy)).toEqual([true, true]);
    expect(supervisor.upstreams('web', '1', { healthy: true })).toEqual(instances.map((i) => `127.0.0.1:${i.port}`));
    for (const i of instances) expect((await httpRequest(i.port, '/')).body).toBe('v7');

    const pids = instances.map((i) => i.pid!);
    await supervisor.stop('web', '1');
    for (const pid of pids) expect(isGone(pid)).toBe(true);
    expect(supervisor.list()).toEqual([]);
    expect(states.filter((s) => s.instance.state === 'stopped')).toHaveLength(2);
    expect(JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8'))).toEqual({ format: 1, versions: [], processes: [] });
  });

  it('refuses to start a version twice and rejects bad specs', async () => {
    await supervisor.start(node());
    await expect(supervisor.start(node())).rejects.toMatchObject({ code: 'version_running' });
    await expect(supervisor.start({ ...node(), version: '2', command: [] })).rejects.toThrow(SupervisorError);
    await expect(supervisor.start({ ...node(), version: '3', instances: 0 })).rejects.toMatchObject({ code: 'invalid_spec' });
    await expect(supervisor.stop('web', 'nope')).rejects.toMatchObject({ code: 'version_unknown' });
  });

  it('does not pass the agent environment on, only the base env and the spec', async () => {
    const [instance] = await supervisor.start({ ...node(), command: `echo "token=[$GANTRY_TOKEN] port=$PORT service=$GANTRY_SERVICE"; exec "${process.execPath}" "${TEST_SERVICE}"` });
    await waitFor(() => logs.find((l) => l.line.startsWith('token=')), { what: 'the env line' });
    expect(logs.find((l) => l.line.startsWith('token='))!.line).toBe(`token=[] port=${instance!.port} service=web`);
  });
});

describe('logs', () => {
  it('hands every stdout and stderr line to the sink with instance and stream', async () => {
    const [instance] = await supervisor.start(node({ VERSION: 'logger' }));
    await supervisor.waitHealthy(instance!.id, 20_000);
    await httpRequest(instance!.port, '/log?line=' + encodeURIComponent('hello from a test'));
    await waitFor(() => logs.some((l) => l.line === 'hello from a test'), { what: 'the logged line' });
    const own = logs.filter((l) => l.instanceId === instance!.id);
    expect(own).toContainEqual(expect.objectContaining({ stream: 'stdout', line: `version logger listening on ${instance!.port}`, service: 'web', version: '1' }));
    expect(own).toContainEqual(expect.objectContaining({ stream: 'stderr', line: 'stderr hello from logger' }));
  });
});

describe('crashes and restarts', () => {
  it('restarts a crashed instance on the same port with exponential, capped backoff', async () => {
    const [instance] = await supervisor.start(
      node({ EXIT_AFTER_MS: '150' }, { restart: { initialDelayMs: 50, factor: 2, maxDelayMs: 200, resetAfterMs: 60_000 } }),
    );
    await waitFor(() => states.filter((s) => s.instance.state === 'backoff').length >= 4, { what: 'four crashes' });
    const backoffs = states.filter((s) => s.instance.state === 'backoff').slice(0, 4);
    expect(backoffs.map((s) => /restart in (\d+) ms/.exec(s.reason)?.[1])).toEqual(['50', '100', '200', '200']);
    expect(backoffs[0]!.reason).toContain('exited with code 3');
    const now = supervisor.get(instance!.id)!;
    expect(now.restarts).toBeGreaterThanOrEqual(3);
    expect(now.port).toBe(instance!.port);
    expect(now.lastExit).toMatchObject({ code: 3, reason: 'exited with code 3' });
  });

  it('forgets the backoff after a stable run', async () => {
    await supervisor.start(node({ EXIT_AFTER_MS: '400' }, { restart: { initialDelayMs: 50, factor: 4, resetAfterMs: 100 } }));
    await waitFor(() => states.filter((s) => s.instance.state === 'backoff').length >= 3, { what: 'three crashes' });
    const delays = states.filter((s) => s.instance.state === 'backoff').map((s) => /restart in (\d+) ms/.exec(s.reason)?.[1]);
    expect(delays.slice(0, 3)).toEqual(['50', '50', '50']);
  });

  it('reports a process that exits before it is healthy as failed, with the reason', async () => {
    const [instance] = await supervisor.start(node({ STARTUP_DELAY_MS: '60000', EXIT_AFTER_MS: '100' }, { restart: { initialDelayMs: 60_000 } }));
    const result = await supervisor.waitHealthy(instance!.id, 20_000);
    expect(result).toMatchObject({ healthy: false, reason: 'exited', detail: 'exited with code 3' });
  });

  it('reports a command that cannot start, and keeps retrying it with backoff', async () => {
    const [instance] = await supervisor.start({ ...node(), command: ['/nonexistent/server'], restart: { initialDelayMs: 50 } });
    const result = await supervisor.waitHealthy(instance!.id, 20_000);
    expect(result).toMatchObject({ healthy: false, reason: 'exited' });
    expect(result.healthy === false && result.detail).toMatch(/could not start: .*ENOENT/);
    await waitFor(() => states.filter((s) => s.instance.state === 'backoff').length >= 2, { what: 'a second attempt' });
  });
});

describe('health', () => {
  it('reports a version that never becomes healthy, with the last probe', async () => {
    const [instance] = await supervisor.start(node({ HEALTH: 'fail' }, { health: { path: '/health', intervalMs: 50, unhealthyThreshold: 2 } }));
    const result = await supervisor.waitHealthy(instance!.id, 1500);
    expect(result).toMatchObject({ healthy: false, reason: 'timeout' });
    expect(result.healthy === false && result.detail).toContain('status 503');
    expect(healths).toContainEqual(expect.objectContaining({ previous: 'unknown', instance: expect.objectContaining({ health: 'unhealthy' }) }));
  });

  it('checks a TCP connect when no path is given', async () => {
    const [instance] = await supervisor.start(node({ HEALTH: 'fail' }, { health: { intervalMs: 50 } }));
    expect(await supervisor.waitHealthy(instance!.id, 20_000)).toMatchObject({ healthy: true });
  });
});

describe('graceful stop', () => {
  it('kills the whole process group: shell, server and grandchild', async () => {
    const [instance] = await supervisor.start({ ...node({ SPAWN_CHILD: '1' }), command: `"${process.execPath}" "${TEST_SERVICE}"; echo never` });
    const childLine = await waitFor(() => logs.find((l) => l.line.startsWith('child pid ')), { what: 'the grandchild pid' });
    const grandchild = Number(childLine.line.slice('child pid '.length));
    expect(isGone(grandchild)).toBe(false);
    await supervisor.stop('web', '1');
    expect(isGone(instance!.pid!)).toBe(true);
    expect(isGone(grandchild)).toBe(true);
  });

  it('escalates to SIGKILL when SIGTERM is ignored', async () => {
    const [instance] = await supervisor.start(node({ IGNORE_SIGTERM: '1' }, { stopTimeoutMs: 300 }));
    await supervisor.waitHealthy(instance!.id, 20_000);
    await supervisor.stop('web', '1');
    expect(isGone(instance!.pid!)).toBe(true);
    expect(states.at(-1)).toMatchObject({ reason: 'killed with SIGKILL after 300 ms', instance: expect.objectContaining({ state: 'stopped' }) });
  });

  it('stops an instance waiting in backoff without starting it again', async () => {
    await supervisor.start(node({ EXIT_AFTER_MS: '50', STARTUP_DELAY_MS: '60000' }, { restart: { initialDelayMs: 60_000 } }));
    await waitFor(() => states.some((s) => s.instance.state === 'backoff'), { what: 'a crash' });
    await supervisor.stop('web', '1');
    expect(states.at(-1)?.instance.state).toBe('stopped');
  });
});
