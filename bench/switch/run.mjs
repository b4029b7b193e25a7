// Blue-green switch and warm rollback, end to end: a real server process, a real `gantry agent`
// process and its router, versions of a small service, and a steady load through the router.
// Measured: time from the command (the switch step starting / the rollback API call) until every
// request that starts afterwards lands on the other version, and failed requests during it.
// Targets (issue): <= 50 ms and zero failed requests.
// Run: `npm run build && node bench/switch/run.mjs` (writes bench/switch/result.md).
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const adminToken = 'gnt_bench_admin_token_000000000000';
const root = fileURLToPath(new URL('../../', import.meta.url));
const work = mkdtempSync(join(os.tmpdir(), 'gantry-bench-switch-'));
chmodSync(work, 0o755); // the embedded PostgreSQL's user must pass through it
const children = [];
const stopAll = () => { for (const c of children) try { c.kill('SIGTERM'); } catch { /* gone */ } };
process.on('exit', stopAll);

const freePort = () => new Promise((resolve) => { const s = net.createServer().listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); }); });
function start(args, env = {}) {
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  return child;
}
function pack(version) {
  const src = join(work, `src-${version}`);
  mkdirSync(src, { recursive: true });
  copyFileSync(join(root, 'test/e2e/fixtures/app.mjs'), join(src, 'app.mjs'));
  writeFileSync(join(src, 'behaviour.json'), JSON.stringify({ version }));
  const file = join(work, `${version}.tgz`);
  execFileSync('tar', ['czf', file, '-C', src, '.']);
  return `sha256:${createHash('sha256').update(readFileSync(file)).digest('hex')}`;
}

const server = start([join(root, 'bench/ofrep/server-process.mjs'), join(work, 'data')], { BENCH_ADMIN_TOKEN: adminToken });
const url = await new Promise((resolve) => server.stdout.on('data', (d) => { const m = /LISTENING (\S+)/.exec(String(d)); if (m) resolve(m[1]); }));
const api = async (method, path, body) => {
  const res = await fetch(url + path, { method, headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' }, body: body && JSON.stringify(body) });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
};
const files = http.createServer((req, res) => { try { res.end(readFileSync(join(work, req.url.slice(1)))); } catch { res.writeHead(404).end(); } }).listen(0, '127.0.0.1');
await new Promise((r) => files.once('listening', r));
const routerPort = await freePort();
await api('POST', '/api/v1/services', { name: 'web' });
await api('POST', '/api/v1/environments', { name: 'production' });
const versions = Array.from({ length: ROUNDS + 1 }, (_, i) => String(i + 1));
for (const v of versions) await api('POST', '/api/v1/services/web/artifacts', { version: v, digest: pack(v) });
await api('PUT', '/api/v1/services/web/run-spec', {
  port: routerPort, artifact: { url: `http://127.0.0.1:${files.address().port}/{version}.tgz` }, command: ['node', 'app.mjs'],
  health: { path: '/health', intervalMs: 200, timeoutMs: 200 }, blueGreen: { keepWarmMs: 600_000 },
});
const { secret } = await api('POST', '/api/v1/tokens', { name: 'host-1', scope: 'agent:production' });
start([join(root, 'packages/cli/dist/main.js'), 'agent', '--server', url, '--token', secret, '--name', 'host-1', '--state-dir', join(work, 'agent')]);

const wait = async (what, read, ok, ms = 60_000) => {
  const end = Date.now() + ms;
  for (;;) { const v = await read(); if (ok(v)) return v; if (Date.now() > end) throw new Error(`timed out: ${what}`); await new Promise((r) => setTimeout(r, 50)); }
};
const deployAndWait = async (version, strategy) => {
  const d = await api('POST', '/api/v1/deployments', { service: 'web', environment: 'production', version, driver: 'agent', strategy });
  const done = await wait(`deployment ${d.id}`, () => api('GET', `/api/v1/deployments/${d.id}`), (x) => ['succeeded', 'failed', 'rolled-back'].includes(x.state));
  if (done.state !== 'succeeded') throw new Error(`deployment of ${version}: ${done.state} ${done.message}`);
  return d.id;
};

/** Steady load through the router: each response with its start time and version. */
function traffic(concurrency = 8) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const seen = [];
  let failed = 0;
  let running = true;
  const one = () => new Promise((resolve) => {
    const t = Date.now(); // wall clock, like the server's log times
    const req = http.get({ host: '127.0.0.1', port: routerPort, path: '/', agent }, (res) => {
      res.resume();
      res.on('end', () => { if (res.statusCode !== 200) failed += 1; seen.push([t, res.headers['x-version']]); resolve(); });
    });
    req.on('error', () => { failed += 1; resolve(); });
  });
  const loops = Array.from({ length: concurrency }, async () => { while (running) await one(); });
  return { seen, get failed() { return failed; }, async stop() { running = false; await Promise.all(loops); agent.destroy(); } };
}
/** When, after `t0`, traffic was all on `version`: the start of the last request that went elsewhere. */
const switchedAt = (seen, t0, version) => Math.max(t0, ...seen.filter(([t, v]) => t >= t0 && v !== version).map(([t]) => t));

await deployAndWait('1', 'recreate');
await wait('router up', () => fetch(`http://127.0.0.1:${routerPort}/`).then((r) => r.ok, () => false), (ok) => ok);
const rows = [];
for (let round = 0; round < ROUNDS; round++) {
  const from = versions[round];
  const to = versions[round + 1];
  // Blue-green: the switch step's log time is the command.
  const load = traffic();
  const id = await deployAndWait(to, 'blue-green');
  await new Promise((r) => setTimeout(r, 300));
  await load.stop();
  const logs = (await api('GET', `/api/v1/deployments/${id}/logs`)).items;
  // The step's own line, not the plan's line that lists every step in advance.
  const t0 = Date.parse(logs.find((l) => /^step \d+\/\d+: switch all traffic to the new version/.test(l.message)).at);
  const bg = { ms: switchedAt(load.seen, t0, to) - t0, failed: load.failed, requests: load.seen.length };
  // Warm rollback to `from`: the API call is the command.
  const load2 = traffic();
  await new Promise((r) => setTimeout(r, 300));
  const t1 = Date.now();
  const rb = await api('POST', '/api/v1/rollbacks', { service: 'web', environment: 'production' });
  await wait('rollback', () => api('GET', `/api/v1/deployments/${rb.id}`), (x) => x.state === 'succeeded');
  await new Promise((r) => setTimeout(r, 300));
  await load2.stop();
  const rbStats = { ms: switchedAt(load2.seen, t1, from) - t1, failed: load2.failed, requests: load2.seen.length };
  rows.push({ round: round + 1, bg, rb: rbStats });
  // Move forward again for the next round (not measured).
  await deployAndWait(to, 'recreate');
}
stopAll();
files.close();
setTimeout(() => rmSync(work, { recursive: true, force: true }), 500);

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const md = [
  '## Blue-green switch and warm rollback (end to end)',
  '',
  `Machine: ${os.cpus()[0].model}, ${os.cpus().length} CPUs, Node ${process.version}. Command: \`node bench/switch/run.mjs\`.`,
  'Server, agent (`gantry agent`) and load generator in three processes on the same CPUs; 8 concurrent keep-alive clients through the router the whole time.',
  'Time = from the command (blue-green: the controller starting its switch step; rollback: the `POST /api/v1/rollbacks` call) until every request that starts afterwards is answered by the other version.',
  '',
  '| round | blue-green switch ms | failed / requests | warm rollback ms | failed / requests |',
  '| ---: | ---: | ---: | ---: | ---: |',
  ...rows.map((r) => `| ${r.round} | ${r.bg.ms.toFixed(1)} | ${r.bg.failed} / ${r.bg.requests} | ${r.rb.ms.toFixed(1)} | ${r.rb.failed} / ${r.rb.requests} |`),
  '',
  `Median: switch ${median(rows.map((r) => r.bg.ms)).toFixed(1)} ms, rollback ${median(rows.map((r) => r.rb.ms)).toFixed(1)} ms (target ≤ 50 ms); failed requests: ${rows.reduce((n, r) => n + r.bg.failed + r.rb.failed, 0)} (target 0).`,
  '',
].join('\n');
writeFileSync(new URL('./result.md', import.meta.url), md);
console.log(md);
process.exit(0);
