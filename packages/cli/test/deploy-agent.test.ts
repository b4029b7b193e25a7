import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { childEnv, cliMain, gantry, serve, tempDir, type CliResult, type ServeProcess } from './harness.js';

/**
 * Deployments Gantry performs, driven through the built binary: a real `gantry serve`, a real
 * `gantry agent` as a child process, artifacts packed at test time and served over HTTP, and
 * traffic through the agent's router so that canary analyses have data.
 */
const adminToken = 'gnt_deploy_agent_admin_token_0123';
const canary = { steps: [{ setWeight: 25 }, { analysis: { windowMs: 3000, minRequests: 5 } }, { pause: {} }, { setWeight: 50 }] };
const app = `import { readFileSync } from 'node:fs';
import http from 'node:http';
const { version } = JSON.parse(readFileSync(new URL('./version.json', import.meta.url), 'utf8'));
http.createServer((req, res) => {
  if (req.url === '/health') return void res.writeHead(200).end('ok');
  res.writeHead(200, { 'content-type': 'text/plain', 'x-version': version }).end(version + '\\n');
}).listen(Number(process.env.PORT), '127.0.0.1', () => console.log('version ' + version + ' listening on ' + process.env.PORT));
process.on('SIGTERM', () => process.exit(0));
`;

let server: ServeProcess;
let artifacts: Server;
let agent: ChildProcess | undefined;
let agentOutput = '';
let routerUrl = '';
let dir = '';
let traffic: { stop: () => Promise<void> } | undefined;
const cleanups: (() => Promise<void>)[] = [];

const run = (args: string[], input?: string) => gantry(args, { url: server.url, token: adminToken, timeoutMs: 120_000, ...(input !== undefined ? { input } : {}) });
const explain = (r: CliResult) => `exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;
async function ok(args: string[]): Promise<CliResult> {
  const r = await run(args);
  expect(r.code, explain(r)).toBe(0);
  return r;
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `gantry ARGS…` in the background: its output so far, and how it ended. */
function background(args: string[]): { stdout: () => string; done: Promise<CliResult> } {
  const child = spawn(process.execPath, [cliMain, ...args], { env: childEnv({ GANTRY_URL: server.url, GANTRY_TOKEN: adminToken }), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
  const done = new Promise<CliResult>((resolve) => child.on('close', (code, signal) => {
    clearTimeout(timer);
    resolve({ stdout, stderr, code, signal });
  }));
  return { stdout: () => stdout, done };
}

async function until<T>(what: string, read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(value).slice(0, 1000)}`);
    await sleep(250);
  }
}

interface Shown { state: string; progress: { step: number; steps: string[] } | null }
const show = async (id: number) => JSON.parse((await ok(['deployment', 'show', String(id), '--json'])).stdout) as Shown;
const paused = (id: number) => until(`deployment ${id} to pause`, () => show(id), (d) => d.progress?.steps[d.progress.step] === 'pause until promoted' && d.state === 'running');

/** Starts `deploy … --wait` in the background and resolves once it has printed the id. */
async function deployWaiting(args: string[]): Promise<{ id: number; done: Promise<CliResult> }> {
  const started = background(['deploy', ...args, '--wait', '--timeout', '90']);
  await until('the deployment id', async () => started.stdout(), (s) => /^\d+\n/.test(s), 30_000);
  return { id: Number(started.stdout().trim()), done: started.done };
}

function pack(version: string): string {
  const src = join(dir, `src-${version}`);
  mkdirSync(src, { recursive: true });
  writeFileSync(join(src, 'app.mjs'), app);
  writeFileSync(join(src, 'version.json'), JSON.stringify({ version }));
  const file = join(dir, `${version}.tgz`);
  execFileSync('tar', ['czf', file, '-C', src, '.']);
  return `sha256:${createHash('sha256').update(readFileSync(file)).digest('hex')}`;
}

const freePort = () => new Promise<number>((resolve) => {
  const probe = createNetServer().listen(0, '127.0.0.1', () => {
    const { port } = probe.address() as AddressInfo;
    probe.close(() => resolve(port));
  });
});

/** Requests through the router, every 25 ms, until stopped: the canary analyses need traffic. */
function load(url: string): { stop: () => Promise<void> } {
  let running = true;
  const loop = (async () => {
    while (running) {
      await fetch(url).then((r) => r.arrayBuffer()).catch(() => undefined);
      await sleep(25);
    }
  })();
  return { stop: async () => { running = false; await loop; } };
}

beforeAll(async () => {
  const data = await tempDir();
  cleanups.push(data.remove);
  server = await serve(['--port', '0', '--data-dir', data.path, '--log-level', 'warn'], { GANTRY_ADMIN_TOKEN: adminToken });
  const work = await tempDir('gantry-cli-artifacts-');
  cleanups.push(work.remove);
  dir = work.path;
  artifacts = createServer((req, res) => {
    try {
      res.writeHead(200, { 'content-type': 'application/gzip' }).end(readFileSync(join(dir, (req.url ?? '/').slice(1).replace(/[^A-Za-z0-9._-]/g, ''))));
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => artifacts.listen(0, '127.0.0.1', resolve));
  const port = await freePort();
  routerUrl = `http://127.0.0.1:${port}/`;
  await ok(['service', 'create', 'web']);
  await ok(['env', 'create', 'production']);
  for (const version of ['1', '2', '3']) await ok(['artifact', 'register', 'web', version, '--digest', pack(version)]);
  writeFileSync(join(dir, 'spec.json'), JSON.stringify({
    port, artifact: { url: `http://127.0.0.1:${(artifacts.address() as AddressInfo).port}/{version}.tgz` }, command: ['node', 'app.mjs'],
    health: { path: '/health', intervalMs: 200, timeoutMs: 200 }, startTimeoutMs: 20_000, canary,
  }));

  const token = (await ok(['token', 'create', '--scope', 'agent:production', '--name', 'host-1'])).stdout.trim();
  const state = await tempDir('gantry-cli-agent-state-');
  agent = spawn(process.execPath, [cliMain, 'agent', '--server', server.url, '--token', token, '--name', 'host-1', '--state-dir', state.path], {
    env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'],
  });
  agent.stdout!.setEncoding('utf8').on('data', (c: string) => (agentOutput += c));
  agent.stderr!.setEncoding('utf8').on('data', (c: string) => (agentOutput += c));
  const exited = new Promise<void>((resolve) => agent!.on('exit', () => resolve()));
  cleanups.unshift(async () => {
    if (agent && agent.exitCode === null && agent.signalCode === null) {
      agent.kill('SIGTERM');
      const killer = setTimeout(() => agent!.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(killer);
    }
    await state.remove();
  });
  await until('the agent to connect', async () => agentOutput, (o) => o.includes('Gantry agent host-1 connected'), 30_000);
}, 120_000);

afterAll(async () => {
  await traffic?.stop();
  // The agent (and the service processes it runs) first, then the server it talks to.
  for (const cleanup of cleanups.splice(0, 1)) await cleanup();
  if (server) expect(await server.stop()).toBe(0);
  await new Promise<void>((resolve) => (artifacts ? artifacts.close(() => resolve()) : resolve()));
  for (const cleanup of cleanups) await cleanup();
}, 60_000);

describe('deployments Gantry performs through an agent', () => {
  it('run-spec set: a file that is not JSON exits 2, a spec the server cannot run exits 1, a good one is shown', async () => {
    writeFileSync(join(dir, 'broken.json'), '{"port": 8080,');
    const broken = await run(['run-spec', 'set', 'web', '--file', join(dir, 'broken.json')]);
    expect(broken.code, explain(broken)).toBe(2);
    expect(broken.stderr).toMatch(/^error: \S+broken\.json is not JSON: .+/m);
    const piped = await run(['run-spec', 'set', 'web', '--file', '-'], 'port: 8080\n');
    expect(piped.code, explain(piped)).toBe(2);
    expect(piped.stderr).toMatch(/^error: stdin is not JSON: /m);

    writeFileSync(join(dir, 'invalid.json'), JSON.stringify({ port: 0, artifact: {}, command: ['node', 'app.mjs'] }));
    const invalid = await run(['run-spec', 'set', 'web', '--file', join(dir, 'invalid.json')]);
    expect(invalid.code, explain(invalid)).toBe(1);
    expect(invalid.stderr).toMatch(/^error: body\/port: must be >= 1.* \(validation_failed\)$/m);
    const noArtifact = await run(['run-spec', 'set', 'web', '--file', '-', '--json'], JSON.stringify({ port: 8080, artifact: {}, command: 'node app.mjs' }));
    expect(noArtifact.code, explain(noArtifact)).toBe(1);
    expect(JSON.parse(noArtifact.stdout)).toMatchObject({ code: 'validation_failed', detail: 'artifact needs a url or a fetchCommand' });

    expect((await ok(['run-spec', 'set', 'web', '--file', join(dir, 'spec.json')])).stdout).toBe('Set the run specification of web: revision 1.\n');
    const shown = await ok(['run-spec', 'show', 'web']);
    expect(shown.stdout).toMatch(/^revision\s+1$/m);
    expect(shown.stdout).toMatch(/^command\s+node app\.mjs$/m);
    expect(shown.stdout).toMatch(/^health\s+GET \/health, every 200 ms, timeout 200 ms$/m);
    expect(shown.stdout).toMatch(/^canary\s+25 % → analysis \(window 3 s, at least 5 requests\) → pause until promoted → 50 %$/m);
    const stored = JSON.parse((await ok(['run-spec', 'show', 'web', '--json'])).stdout) as { revision: number; spec: unknown };
    expect(stored).toMatchObject({ revision: 1, spec: { canary } });
  });

  it('deploy --driver agent --wait prints each step and the agent\'s output as they come, and exits 0', async () => {
    const r = await run(['deploy', 'web', '1', '--to', 'production', '--driver', 'agent', '--wait', '--timeout', '90']);
    expect(r.code, explain(r)).toBe(0);
    const id = Number(r.stdout.trim());
    expect(r.stdout).toBe(`${id}\n`);
    expect(r.stderr).toContain(`Deployment ${id}: web@1 → production (recreate, agent driver): approved`);
    expect(r.stderr).toMatch(/^ {2}step 1\/1: replace the running version$/m);
    expect(r.stderr).toMatch(/^ {2}\[host-1 \S+ stdout\] version 1 listening on \d+$/m);
    expect(r.stderr).toMatch(new RegExp(`deployment ${id} \\(web@1 → production\\): succeeded: web@1 runs in production\\n$`));
    expect(await (await fetch(routerUrl)).text()).toBe('1\n');
    traffic = load(routerUrl);
  }, 120_000);

  it('agents lists the agent as live, with what it runs', async () => {
    const r = await ok(['agents', '--env', 'production']);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+ENVIRONMENT\s+LIVE\s+LAST SEEN\s+SERVICES$/);
    expect(lines[1]).toMatch(/^host-1\s+production\s+yes\s+\d+s ago\s+web@1 ready, 1\/1 healthy, 100 % of traffic$/);
    const listed = JSON.parse((await ok(['agents', '--json'])).stdout) as { items: { name: string; live: boolean; environment: string }[] };
    expect(listed.items).toMatchObject([{ name: 'host-1', live: true, environment: 'production' }]);
    expect((await run(['agents', '--env', 'staging'])).stderr).toContain('No agents in staging yet');
  });

  it('a canary with pause {} waits for deployment promote, then succeeds; deployment show marks the step and the analysis', async () => {
    const { id, done } = await deployWaiting(['web', '2', '--to', 'production', '--driver', 'agent', '--strategy', 'canary']);
    await paused(id);
    const shown = await ok(['deployment', 'show', String(id)]);
    expect(shown.stdout).toMatch(/^previous version\s+1$/m);
    expect(shown.stdout).toMatch(/^plan\s+✓ 1\. start the new version beside the old one\n\s+✓ 2\. send 25 % of traffic to the new version\n\s+✓ 3\. analysis over 3 s .*\n\s+→ 4\. pause until promoted {2}\(current\)\n\s+ {2}5\. send 50 % of traffic/m);
    expect(shown.stdout).toMatch(/^analysis\s+step 3: pass: error rate 0\.00 % over \d+ requests/m);
    expect((await ok(['agents'])).stdout).toMatch(/web@2 ready, 1\/1 healthy, 25 % of traffic/);

    const promoted = await ok(['deployment', 'promote', String(id)]);
    expect(promoted.stdout).toBe(`Promoted deployment ${id} (web@2 → production) at step 4/7 (pause until promoted); it goes on with the next step.\n`);
    const r = await done;
    expect(r.code, explain(r)).toBe(0);
    const steps = [...r.stderr.matchAll(/^ {2}step (\d)\/7: /gm)].map((m) => Number(m[1]));
    expect(steps).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(r.stderr).toMatch(/^ {2}analysis pass: error rate 0\.00 % over \d+ requests/m);
    expect(r.stderr).toMatch(/^ {2}promoted by token:first-admin at step 4$/m);
    expect(r.stderr).toMatch(/succeeded: web@2 runs in production\n$/);
    expect((await ok(['deployment', 'show', String(id)])).stdout).toMatch(/^plan\s+✓ 1\.(.*\n)+\s+✓ 7\. stop the old version$/m);
  }, 120_000);

  it('deployment abort of a paused canary rolls it back: --wait exits 1 naming the version and why', async () => {
    const { id, done } = await deployWaiting(['web', '3', '--to', 'production', '--driver', 'agent', '--strategy', 'canary']);
    await paused(id);
    const aborted = await ok(['deployment', 'abort', String(id), '--reason', 'wrong build']);
    expect(aborted.stdout).toBe(`Aborting deployment ${id} (web@3 → production): Gantry rolls it back to 2.\n`);
    expect(aborted.stderr).toContain(`gantry deployment logs ${id} --follow`);
    const r = await done;
    expect(r.code, explain(r)).toBe(1);
    expect(r.stderr).toMatch(/^ {2}warn: abort requested by token:first-admin: wrong build$/m);
    expect(r.stderr).toMatch(new RegExp(`^error: deployment ${id} rolled-back: rolled back to 2: aborted: wrong build$`, 'm'));
    expect((await ok(['deployment', 'show', String(id)])).stdout).toMatch(/^\s+✗ 4\. pause until promoted$/m);
    await until('traffic back on 2', async () => (await fetch(routerUrl)).text(), (t) => t === '2\n', 10_000);
    const again = await run(['deployment', 'abort', String(id), '--reason', 'twice']);
    expect(again.code, explain(again)).toBe(1);
    expect(again.stderr).toContain('(invalid_transition)');
  }, 120_000);

  it('rollback --wait follows the rollback through its steps', async () => {
    const r = await run(['rollback', 'web', '--env', 'production', '--wait', '--timeout', '90']);
    expect(r.code, explain(r)).toBe(0);
    expect(r.stderr).toMatch(/^Rolling back web in production from 2 \(deployment \d+\) to 1: deployment \d+, approved$/m);
    expect([...r.stderr.matchAll(/^ {2}step (\d)\/(\d): /gm)].map((m) => `${m[1]}/${m[2]}`)).toEqual(['1/3', '2/3', '3/3']);
    expect(r.stderr).toMatch(/succeeded: web@1 runs in production\n$/);
    await until('traffic back on 1', async () => (await fetch(routerUrl)).text(), (t) => t === '1\n', 10_000);
  }, 120_000);
});
