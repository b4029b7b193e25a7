import { createAgent, type Agent, type AgentOptions } from '../agent/agent.js';
import type { DesiredRoutes, DesiredService, DesiredVersion, ServiceReport, VersionReport } from '../agent/types.js';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { buildServiceTarball, serveFiles, tempDir, type BuiltArtifact, type FileServer } from './artifacts.js';
import { startFakeAgentApi, type FakeAgentApi } from './fake-agent-api.js';
import { freePort, httpRequest, waitFor } from './index.js';

/** Agents started by a test file, stopped (cleanly) by `stopAgents`. */
const running = new Set<Agent>();

/** An agent against the fake API with test-friendly intervals; started and tracked for clean-up. */
export async function startAgent(api: FakeAgentApi, stateDir: string, options: Partial<AgentOptions> = {}): Promise<Agent> {
  const agent = createAgent({
    server: api.url,
    token: api.token,
    name: 'host-1',
    stateDir,
    reportIntervalMs: 200,
    pollWaitSeconds: 2,
    healthTimeoutMs: 10_000,
    logFlushMs: 100,
    maxBackoffMs: 500,
    ...options,
  });
  running.add(agent);
  await agent.start();
  return agent;
}

export async function stopAgents(): Promise<void> {
  const all = [...running];
  running.clear();
  await Promise.all(all.map((a) => a.stop()));
}

/** Forget an agent stopped by the test itself (with `keepProcesses`). */
export function untrack(agent: Agent): void {
  running.delete(agent);
}

export function service(name: string, port: number, versions: DesiredVersion[], routes: DesiredRoutes | DesiredRoutes['versions']): DesiredService {
  return { service: name, port, versions, routes: Array.isArray(routes) ? { versions: routes } : routes, drainTimeoutMs: 5_000 };
}

export function versionOf(agent: Agent, serviceName: string, version: string): VersionReport | undefined {
  return agent.status().services.find((s) => s.service === serviceName)?.versions.find((v) => v.version === version);
}

export function serviceOf(agent: Agent, serviceName: string): ServiceReport | undefined {
  return agent.status().services.find((s) => s.service === serviceName);
}

/** Wait until a version reaches `state` in the agent's status, and return its report. */
export function waitForVersion(agent: Agent, serviceName: string, version: string, state: VersionReport['state'], timeoutMs = 20_000): Promise<VersionReport> {
  return waitFor(
    () => {
      const v = versionOf(agent, serviceName, version);
      return v?.state === state ? v : undefined;
    },
    { timeoutMs, what: `${serviceName} ${version} to be ${state} (now ${JSON.stringify(versionOf(agent, serviceName, version))})` },
  );
}

/** Bodies of `n` GET / through a router. */
export async function answers(port: number, n = 20, headers: Record<string, string> = {}): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push((await httpRequest(port, '/', { headers })).body);
  return out;
}

/** What an agent integration test works with: a served artifact, and per test a fresh fake API, state directory and port. */
export interface AgentBed {
  /** Where the artifacts are built and served from. */
  workDir: string;
  tarball: BuiltArtifact;
  files: FileServer;
  api: FakeAgentApi;
  stateDir: string;
  port: number;
}

/**
 * Registers the hooks such a test file needs: the artifact built and served once; before each
 * test a fresh API, state directory and free port, handed to `onReady`; after each, agents stopped
 * and everything removed.
 */
export function useAgentBed(prefix: string, onReady: (bed: AgentBed) => void): void {
  const work = tempDir(prefix);
  let tarball: BuiltArtifact;
  let files: FileServer;
  let api: FakeAgentApi;
  let state: { path: string; remove: () => void };
  beforeAll(async () => {
    tarball = buildServiceTarball(work.path);
    files = await serveFiles(work.path);
  });
  afterAll(async () => {
    await files.close();
    work.remove();
  });
  beforeEach(async () => {
    api = await startFakeAgentApi();
    state = tempDir('gantry-agent-state-');
    onReady({ workDir: work.path, tarball, files, api, stateDir: state.path, port: await freePort() });
  });
  afterEach(async () => {
    await stopAgents();
    await api.close();
    state.remove();
  });
}
