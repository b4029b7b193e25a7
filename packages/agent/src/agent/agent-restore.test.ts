import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AgentError } from '../errors.js';
import { answers, service, serviceOf, startAgent, useAgentBed, untrack, versionOf, waitForVersion } from '../test-support/agents.js';
import { serviceVersion, type BuiltArtifact, type FileServer } from '../test-support/artifacts.js';
import type { FakeAgentApi } from '../test-support/fake-agent-api.js';
import { httpRequest, isGone, waitFor } from '../test-support/index.js';

/** The server away, the agent restarted, the token refused: traffic keeps flowing. */
let tarball: BuiltArtifact;
let files: FileServer;
let api: FakeAgentApi;
let stateDir: string;
let port: number;
useAgentBed('gantry-agent-restore-', (bed) => ({ tarball, files, api, stateDir, port } = bed));

const v = (version: string, options: Parameters<typeof serviceVersion>[2] = {}) => serviceVersion(version, { url: `${files.url}/test-service.tgz`, digest: tarball.digest }, options);
const pidsOf = (agent: Parameters<typeof versionOf>[0], version: string) => versionOf(agent, 'web', version)!.instances.map((i) => i.pid!);

describe('agent: the server away', () => {
  it('keeps routing while the server is away, adopts the running processes after a restart, and reconnects', async () => {
    api.setDesired([service('web', port, [v('v1', { instances: 2, deploymentId: 3 })], [{ version: 'v1', weight: 100_000 }])]);
    const first = await startAgent(api, stateDir);
    await waitForVersion(first, 'web', 'v1', 'ready');
    await waitFor(() => serviceOf(first, 'web')?.routes.versions.length === 1, { what: 'routes' });
    const pids = pidsOf(first, 'v1');
    const id = first.status().id;

    // The server goes away: the router keeps serving, the agent notices.
    await api.close();
    await waitFor(() => !first.status().connected, { what: 'the agent to notice' });
    expect(first.status().lastError).toMatch(/^(GET|POST) \/api\/v1\/agents\/[0-9a-f-]+\/(desired|status|logs): the server is unreachable \(.+\)$/);
    expect(await answers(port, 10)).toEqual(Array(10).fill('v1'));

    // The agent "crashes": its processes stay, its router goes with it.
    await first.stop({ keepProcesses: true });
    untrack(first);
    expect(pids.every((pid) => !isGone(pid))).toBe(true);
    await expect(httpRequest(port, '/')).rejects.toThrow(/ECONNREFUSED/);

    // A new agent on the same state dir, the server still away: it adopts the same processes and routes at once.
    const second = await startAgent(api, stateDir);
    expect((await httpRequest(port, '/')).body).toBe('v1');
    expect(pidsOf(second, 'v1').sort()).toEqual([...pids].sort());
    expect(versionOf(second, 'web', 'v1')).toMatchObject({ state: 'ready', deploymentId: 3 });
    expect(second.status()).toMatchObject({ registered: false, desiredRevision: 1, appliedRevision: 1 });

    // The server comes back: the agent registers again under its id and reports.
    await api.reopen();
    await waitFor(() => second.status().registered, { what: 're-registration', timeoutMs: 10_000 });
    expect(second.status().id).toBe(id);
    const reports = api.reports.length;
    await waitFor(() => api.reports.length > reports && api.lastReport()?.services[0]?.versions[0]?.state === 'ready', { what: 'a report after reconnecting' });

    // A clean stop stops the processes.
    await second.stop();
    await waitFor(() => pids.every(isGone), { what: 'the processes to stop' });
  });

  it('re-applies the persisted desired state after a clean stop, from the artifact cache', async () => {
    api.setDesired([service('web', port, [v('v1')], [{ version: 'v1', weight: 100_000 }])]);
    const first = await startAgent(api, stateDir);
    await waitForVersion(first, 'web', 'v1', 'ready');
    const pid = pidsOf(first, 'v1')[0]!;
    await first.stop();
    untrack(first);
    await waitFor(() => isGone(pid), { what: 'v1 to stop' });
    await api.close();
    const fetched = files.hits.length;

    const second = await startAgent(api, stateDir);
    await waitForVersion(second, 'web', 'v1', 'ready');
    await waitFor(() => serviceOf(second, 'web')?.routes.versions.length === 1, { what: 'routes' });
    expect(await answers(port, 3)).toEqual(['v1', 'v1', 'v1']);
    expect(pidsOf(second, 'v1')[0]).not.toBe(pid);
    expect(files.hits.length).toBe(fetched);
  });

  it('restarts a process killed with SIGKILL on its port, and the routes keep working', async () => {
    api.setDesired([service('web', port, [v('v1', { instances: 2 })], [{ version: 'v1', weight: 100_000 }])]);
    const agent = await startAgent(api, stateDir);
    await waitForVersion(agent, 'web', 'v1', 'ready');
    const [victim] = versionOf(agent, 'web', 'v1')!.instances;
    process.kill(victim!.pid!, 'SIGKILL');
    await waitFor(() => versionOf(agent, 'web', 'v1')?.state === 'starting', { what: 'the version to notice' });
    expect(versionOf(agent, 'web', 'v1')!.error).toMatch(/^1 of 2 instances not healthy/);
    const back = await waitForVersion(agent, 'web', 'v1', 'ready');
    const again = back.instances.find((i) => i.id === victim!.id)!;
    expect(again).toMatchObject({ port: victim!.port, restarts: 1, healthy: true });
    expect(again.pid).not.toBe(victim!.pid);
    expect(await answers(port, 10)).toEqual(Array(10).fill('v1'));
  });
});

describe('agent: the server refuses or forgets it', () => {
  it('stops talking to the server when the token is refused at registration (fatal), and keeps what runs', async () => {
    const fatal: AgentError[] = [];
    const agent = await startAgent({ ...api, token: 'gnt_wrong_token_00000000000' } as FakeAgentApi, stateDir);
    agent.on('fatal', (e) => fatal.push(e));
    await waitFor(() => agent.status().fatal, { what: 'the fatal error' });
    expect(agent.status().fatal).toMatch(/401 a valid bearer token is required/);
    expect(fatal).toHaveLength(1);
    const calls = api.requests.length;
    await new Promise((r) => setTimeout(r, 700));
    expect(api.requests.length).toBe(calls);
  });

  it('stops with environment_mismatch when the token is for another environment', async () => {
    const agent = await startAgent(api, stateDir, { environment: 'staging' });
    await waitFor(() => agent.status().fatal, { what: 'the fatal error' });
    expect(agent.status().fatal).toBe('the token belongs to environment "production", not "staging"');
  });

  it('retries with backoff while the server answers 5xx, and registers again when the server forgot it', async () => {
    api.setDesired([service('web', port, [v('v1')], [{ version: 'v1', weight: 100_000 }])]);
    const agent = await startAgent(api, stateDir);
    await waitFor(() => agent.status().registered, { what: 'registration' });
    const firstId = agent.status().id;
    api.failWith(500);
    await waitFor(() => agent.status().lastError?.includes('500'), { what: 'the 500' });
    api.failWith(null);
    api.forgetAgents();
    // Its next call gets 404: it registers again (a new id here, as the fake forgot the name too).
    const revision = api.setDesired([service('web', port, [v('v1')], [{ version: 'v1', weight: 100_000 }])]);
    await waitFor(() => api.agents.get('host-1') && agent.status().id === api.agents.get('host-1')!.id, { what: 're-registration', timeoutMs: 10_000 });
    expect(agent.status().id).not.toBe(firstId);
    expect(JSON.parse(readFileSync(join(stateDir, 'agent.json'), 'utf8')).id).toBe(agent.status().id);
    await waitFor(() => agent.status().appliedRevision === revision, { what: 'the new revision' });
    expect(agent.status().fatal).toBeNull();
  });
});
