import { describe, expect, it } from 'vitest';
import type { Client } from './client.js';
import { analysisLines, planLines, type Deployment, type LogLine } from './commands/deployments.js';
import { lastSeen, serviceLines } from './commands/agents.js';
import { describeRunSpec } from './commands/runspecs.js';
import { waitForDeployment } from './commands/wait.js';

const base: Deployment = {
  id: 7, service: 'web', environment: 'production', version: '2', artifactId: 'a', strategy: 'canary', driver: 'agent', state: 'approved',
  kind: 'deploy', rollbackOf: null, reason: null, overrideReason: null, message: null, requestedBy: 'token:ci', approvedBy: null, revision: 1,
  createdAt: '2025-07-01T12:00:00.000Z', startedAt: null, finishedAt: null, updatedAt: '2025-07-01T12:00:00.000Z', progress: null, analysis: [], previousVersion: '1',
};
const steps = ['start the new version beside the old one', 'send 25 % of traffic to the new version', 'switch all traffic to the new version'];

/** A server seen through polls: each poll reveals the next batch of log lines and the state it brings. */
function scripted(batches: { state: string; message?: string; lines: string[]; level?: string }[]): Client {
  const log: LogLine[] = [];
  let poll = -1;
  let current = base;
  const get = async (route: string, query?: Record<string, unknown>) => {
    if (route.endsWith('/logs')) {
      const after = Number(query?.after ?? 0);
      if (after === 0 || after === log.at(-1)?.id) {
        const batch = batches[Math.min(++poll, batches.length - 1)]!;
        if (poll < batches.length) {
          for (const message of batch.lines) log.push({ id: log.length + 1, at: '2025-07-01T12:00:00.000Z', level: batch.level ?? 'info', message });
          const step = batch.lines.map((l) => /^step (\d+)\//.exec(l)).filter(Boolean).at(-1);
          current = { ...current, state: batch.state, message: batch.message ?? current.message, progress: { step: step ? Number(step[1]) - 1 : current.progress?.step ?? 0, steps } };
        }
      }
      return { state: current.state, items: log.filter((l) => l.id > after) };
    }
    return current;
  };
  return { get } as unknown as Client;
}

const capture = () => {
  let text = '';
  return { stream: { write: (t: string) => (text += t), columns: 200 }, text: () => text };
};

describe('waiting for a deployment', () => {
  const batches = [
    { state: 'running', lines: ['approved → running by system:controller: plan of 3 steps', 'step 1/3: start the new version beside the old one', '[host-1 3f2a stdout] version 2 listening'] },
    { state: 'running', lines: ['step 2/3: send 25 % of traffic to the new version'] },
    { state: 'rolled-back', message: 'rolled back to 1: aborted: wrong build', level: 'warn', lines: ['abort requested by token:ci: wrong build'] },
  ];

  it('prints each log line and each state change, one line each, without a terminal', async () => {
    const out = capture();
    const { deployment, failure } = await waitForDeployment(scripted(batches), base, { timeoutSeconds: 10, interactive: false, pollMs: 5, stream: out.stream });
    expect(deployment.state).toBe('rolled-back');
    expect(failure?.message).toBe('deployment 7 rolled-back: rolled back to 1: aborted: wrong build');
    expect(out.text()).toBe([
      'deployment 7 (web@2 → production): approved',
      '  approved → running by system:controller: plan of 3 steps',
      '  step 1/3: start the new version beside the old one',
      '  [host-1 3f2a stdout] version 2 listening',
      'deployment 7 (web@2 → production): running',
      '  step 2/3: send 25 % of traffic to the new version',
      '  warn: abort requested by token:ci: wrong build',
      'deployment 7 (web@2 → production): rolled-back: rolled back to 1: aborted: wrong build',
      '',
    ].join('\n'));
  });

  it('on a terminal, scrolls the log lines above a spinner line naming the current step', async () => {
    const out = capture();
    await waitForDeployment(scripted(batches), base, { timeoutSeconds: 10, interactive: true, pollMs: 5, stream: out.stream });
    const text = out.text();
    expect(text).toContain('\r\x1b[2K  step 2/3: send 25 % of traffic to the new version\n');
    const clearLine = '\r\x1b[2K';
    expect(text.split(clearLine).some((l) => /^[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] deployment 7 \(web@2 → production\): running · step 2\/3: send 25 % of traffic to the new version · \d+s$/.test(l))).toBe(true);
    expect(text.endsWith('\r\x1b[2Kdeployment 7 (web@2 → production): rolled-back: rolled back to 1: aborted: wrong build\n')).toBe(true);
    // What stays on the screen: every log line once, then the final state.
    const screen = text.split('\n').map((l) => l.split('\r\x1b[2K').at(-1)).filter((l) => l !== '');
    expect(screen).toEqual([
      '  approved → running by system:controller: plan of 3 steps', '  step 1/3: start the new version beside the old one',
      '  [host-1 3f2a stdout] version 2 listening', '  step 2/3: send 25 % of traffic to the new version',
      '  warn: abort requested by token:ci: wrong build', 'deployment 7 (web@2 → production): rolled-back: rolled back to 1: aborted: wrong build',
    ]);
  });

  it('gives up when the time runs out', async () => {
    const out = capture();
    const { failure } = await waitForDeployment(scripted([{ state: 'running', lines: [] }]), base, { timeoutSeconds: 0.05, interactive: false, pollMs: 5, stream: out.stream });
    expect(failure?.message).toMatch(/^timed out after 0\.05 s; deployment 7 is still running/);
  });
});

describe('deployments, run specs and agents for people', () => {
  it('marks the plan\'s steps: done, current, failed', () => {
    expect(planLines({ ...base, state: 'running', progress: { step: 1, steps } })).toBe(
      `✓ 1. ${steps[0]}\n→ 2. ${steps[1]}  (current)\n  3. ${steps[2]}`);
    expect(planLines({ ...base, state: 'rolled-back', progress: { step: 1, steps } })).toBe(`✓ 1. ${steps[0]}\n✗ 2. ${steps[1]}\n  3. ${steps[2]}`);
    expect(planLines({ ...base, state: 'succeeded', progress: { step: 3, steps } })).toBe(steps.map((s, i) => `✓ ${i + 1}. ${s}`).join('\n'));
    expect(planLines(base)).toBeUndefined();
    expect(analysisLines({ ...base, analysis: [{ step: 2, verdict: 'pass', reason: 'error rate 0.00 % over 120 requests (stable 0.00 %)' }] }))
      .toBe('step 3: pass: error rate 0.00 % over 120 requests (stable 0.00 %)');
  });

  it('describes a run spec setting by setting', () => {
    const lines = Object.fromEntries(describeRunSpec({
      port: 8080, artifact: { url: 'https://artifacts.example.com/{service}/{version}.tgz' }, command: ['node', 'app.mjs', '--name', "it's"],
      health: { path: '/healthz', intervalMs: 200 }, canary: { steps: [{ setWeight: 10 }, { analysis: { windowMs: 60_000, maxErrorRate: 0.01 } }, { pause: {} }, { pause: { durationMs: 2500 } }] },
      rolling: { maxUnavailable: 2 },
    }).filter(([, v]) => v !== undefined));
    expect(lines).toEqual({
      port: 8080, artifact: 'https://artifacts.example.com/{service}/{version}.tgz', command: "node app.mjs --name 'it'\\''s'",
      health: 'GET /healthz, every 200 ms', canary: '10 % → analysis (window 60 s, error rate ≤ 1 %) → pause until promoted → pause 2.5 s',
      rolling: 'per batch: 1 beside the old version (maxSurge), 2 in place (maxUnavailable)',
    });
  });

  it('lists what an agent runs, per version, with health and traffic', () => {
    expect(serviceLines({ services: [{
      service: 'web', routes: { versions: [{ version: '1', weight: 75_000 }, { version: '2', weight: 25_000 }] },
      versions: [{ version: '1', state: 'ready', healthyInstances: 2, instances: [{}, {}] }, { version: '2', state: 'starting', healthyInstances: 0 }],
    }, { service: 'api', versions: [{ version: '9', state: 'failed', healthyInstances: 0, error: 'digest mismatch' }] }] })).toBe([
      'web@1 ready, 2/2 healthy, 75 % of traffic', 'web@2 starting, 0 healthy, 25 % of traffic', 'api@9 failed, 0 healthy: digest mismatch',
    ].join('\n'));
    expect(serviceLines(null)).toBe('');
    const now = Date.parse('2025-07-01T12:00:00Z');
    expect(lastSeen('2025-07-01T11:59:57Z', now)).toBe('3s ago');
    expect(lastSeen('2025-07-01T11:55:00Z', now)).toBe('5m ago');
  });
});
