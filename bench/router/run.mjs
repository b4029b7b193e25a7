#!/usr/bin/env node
// Gantry router vs nginx as a reverse proxy to the same upstream, plus a blue-green switch under load.
//
//   node bench/router/run.mjs [--duration 10] [--connections 50] [--rounds 3] [--no-build] [--no-write]
//
// Each target is measured in every round, rounds interleave the targets, and the table shows the
// median round: other work on the machine then skews all targets alike. CPU per request (the
// proxy's own user+system time over the requests it served) is the least noisy comparison.
//
// Needs Debian's nginx at /usr/sbin/nginx (apt-get install -y nginx). Everything listens on
// 127.0.0.1 on ports picked at run time; every process started here is stopped at the end.
import { execFileSync, fork, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(args[i + 1]);
};
const duration = opt('duration', 10);
const connections = opt('connections', 50);
const rounds = opt('rounds', 3);
const NGINX = '/usr/sbin/nginx';
const children = [];

function cleanup() {
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
}
process.on('exit', cleanup);
process.on('SIGINT', () => process.exit(130));

function startNodeChild(script, argv = []) {
  const child = fork(script, argv, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  children.push(child);
  return child;
}

function request(child, message) {
  return new Promise((resolve) => {
    child.once('message', resolve);
    if (message) child.send(message);
  });
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** utime+stime in ms of a process and its direct children (nginx master + workers). */
function cpuMs(pid) {
  const ticks = (p) => {
    try {
      const f = readFileSync(`/proc/${p}/stat`, 'utf8').slice(readFileSync(`/proc/${p}/stat`, 'utf8').lastIndexOf(')') + 2).split(' ');
      return { ppid: Number(f[1]), t: Number(f[11]) + Number(f[12]) };
    } catch {
      return undefined;
    }
  };
  let total = ticks(pid)?.t ?? 0;
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const s = ticks(Number(name));
    if (s && s.ppid === pid) total += s.t;
  }
  return total * 10; // USER_HZ is 100 on Linux
}

async function waitForPort(port, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await new Promise((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
}

async function startNginx(upstreamPort, workers) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gantry-bench-nginx-'));
  const port = await freePort();
  const conf = path.join(dir, 'nginx.conf');
  writeFileSync(
    conf,
    `daemon off;
worker_processes ${workers};
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  upstream app { server 127.0.0.1:${upstreamPort}; keepalive 64; }
  server {
    listen 127.0.0.1:${port};
    keepalive_requests 1000000;
    location / {
      proxy_pass http://app;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Forwarded-Host $http_host;
    }
  }
}
`,
  );
  const child = spawn(NGINX, ['-p', dir, '-e', `${dir}/error.log`, '-c', conf], { stdio: ['ignore', 'inherit', 'inherit'] });
  children.push(child);
  await waitForPort(port);
  return {
    port,
    pid: child.pid,
    stop: async () => {
      child.kill('SIGQUIT');
      await new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function load(port, seconds = duration) {
  const result = await autocannon({ url: `http://127.0.0.1:${port}/`, connections, duration: seconds });
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts + result.non2xx,
    total: result.requests.total,
  };
}

async function measure(label, port, pid) {
  await load(port, 1); // warm-up: connections, JIT, keep-alive pools
  const cpuBefore = pid ? cpuMs(pid) : 0;
  const r = await load(port);
  const cpuUsPerReq = pid ? ((cpuMs(pid) - cpuBefore) * 1000) / Math.max(1, r.total) : undefined;
  console.log(`${label}: ${Math.round(r.rps)} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms, errors ${r.errors}${cpuUsPerReq ? `, ${cpuUsPerReq.toFixed(1)} µs CPU/req` : ''}`);
  return { label, ...r, cpuUsPerReq };
}

const median = (values) => {
  const sorted = values.filter((v) => v !== undefined).sort((a, b) => a - b);
  return sorted.length ? sorted[Math.floor((sorted.length - 1) / 2)] : undefined;
};

/** Keep-alive request loops against the router; each response records when it was sent and which version answered. */
async function switchUnderLoad(routerChild, routerPort, blue, green) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const now = () => performance.timeOrigin + performance.now();
  const samples = [];
  let running = true;
  const one = () =>
    new Promise((resolve) => {
      const sentAt = now();
      const req = http.get({ host: '127.0.0.1', port: routerPort, path: '/', agent }, (res) => {
        const version = res.headers['x-version'];
        res.resume();
        res.on('end', () => {
          samples.push({ sentAt, doneAt: now(), version, ok: res.statusCode === 200 });
          resolve();
        });
      });
      req.on('error', () => {
        samples.push({ sentAt, doneAt: now(), version: undefined, ok: false });
        resolve();
      });
    });
  const loops = Array.from({ length: connections }, async () => {
    while (running) await one();
  });
  await new Promise((r) => setTimeout(r, 1500));
  const { at: switchedAt } = await request(routerChild, { routes: { versions: [{ version: 'green', upstreams: [`127.0.0.1:${green}`] }] } });
  await new Promise((r) => setTimeout(r, 1500));
  running = false;
  await Promise.all(loops);
  agent.destroy();
  const after = samples.filter((s) => s.sentAt >= switchedAt);
  const blueAfter = samples.filter((s) => s.version === 'blue' && s.doneAt >= switchedAt);
  const lastBlueSent = Math.max(...samples.filter((s) => s.version === 'blue').map((s) => s.sentAt));
  const lastBlueDone = Math.max(switchedAt, ...blueAfter.map((s) => s.doneAt));
  return {
    requests: samples.length,
    failed: samples.filter((s) => !s.ok).length,
    sentAfterSwitchOnBlue: after.filter((s) => s.version === 'blue').length,
    sentAfterSwitch: after.length,
    newRequestsSwitchedMs: Math.max(0, lastBlueSent - switchedAt),
    lastBlueResponseMs: lastBlueDone - switchedAt,
    inFlightAtSwitch: blueAfter.length,
    blue,
  };
}

async function main() {
  if (!existsSync(NGINX)) {
    console.error(`nginx is missing: ${NGINX} not found. Install Debian's nginx first:\n  apt-get install -y nginx`);
    process.exit(2);
  }
  if (!args.includes('--no-build')) execFileSync('npx', ['tsc', '-b', 'packages/agent'], { cwd: root, stdio: 'inherit' });

  const upstream = startNodeChild(path.join(here, 'upstream.mjs'), ['blue']);
  const { port: upstreamPort } = await request(upstream);
  const router = startNodeChild(path.join(here, 'router-process.mjs'));
  await request(router, { routes: { versions: [{ version: 'blue', upstreams: [`127.0.0.1:${upstreamPort}`] }] } });
  const { port: routerPort } = await request(router, { listen: true });

  const nginxVersion = spawnSync(NGINX, ['-v'], { encoding: 'utf8' }).stderr.trim(); // nginx prints its version on stderr
  const nginx1 = await startNginx(upstreamPort, 1);
  const nginxAuto = await startNginx(upstreamPort, 'auto');
  const targets = [
    { label: 'direct to upstream (baseline)', port: upstreamPort },
    { label: 'nginx, worker_processes 1', port: nginx1.port, pid: nginx1.pid },
    { label: `nginx, worker_processes auto (${os.cpus().length})`, port: nginxAuto.port, pid: nginxAuto.pid, reference: true },
    { label: 'Gantry router (one Node process)', port: routerPort, pid: router.pid },
  ];
  const runs = new Map(targets.map((t) => [t.label, []]));
  for (let round = 1; round <= rounds; round++) {
    console.log(`round ${round} of ${rounds}`);
    const order = round % 2 === 1 ? targets : [...targets].reverse();
    for (const t of order) runs.get(t.label).push(await measure(t.label, t.port, t.pid));
  }
  await nginx1.stop();
  await nginxAuto.stop();
  const rows = targets.map((t) => {
    const r = runs.get(t.label);
    return {
      label: t.label,
      reference: t.reference,
      rps: median(r.map((x) => x.rps)),
      p50: median(r.map((x) => x.p50)),
      p99: median(r.map((x) => x.p99)),
      errors: r.reduce((n, x) => n + x.errors, 0),
      cpuUsPerReq: median(r.map((x) => x.cpuUsPerReq)),
      perRound: r.map((x) => Math.round(x.rps)),
    };
  });

  const green = startNodeChild(path.join(here, 'upstream.mjs'), ['green']);
  const { port: greenPort } = await request(green);
  const sw = await switchUnderLoad(router, routerPort, upstreamPort, greenPort);
  console.log('blue-green switch:', sw);
  return { rows, sw, nginxVersion };
}

const loadBefore = os.loadavg()[0];
const { rows, sw, nginxVersion } = await main();
const loadAfter = os.loadavg()[0];
const ref = rows.find((r) => r.reference);
const fmt = (n) => (n === undefined ? '—' : n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(1));
const table = [
  '| target | req/s (median) | req/s per round | p50 ms | p99 ms | errors | CPU µs/req | req/s vs nginx auto | p99 vs nginx auto |',
  '| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ...rows.map(
    (r) =>
      `| ${r.label} | ${fmt(r.rps)} | ${r.perRound.join(' / ')} | ${r.p50} | ${r.p99} | ${r.errors} | ${fmt(r.cpuUsPerReq)} | ${(r.rps / ref.rps).toFixed(2)}× | ${(r.p99 / ref.p99).toFixed(2)}× |`,
  ),
].join('\n');
const md = `# Router benchmark

Command: \`node bench/router/run.mjs --duration ${duration} --connections ${connections} --rounds ${rounds}\`
Machine: ${os.cpus()[0].model}, ${os.cpus().length} CPUs, ${os.platform()} ${os.release()}, Node ${process.version}, ${nginxVersion}.
Load average (1 min) ${loadBefore.toFixed(2)} before, ${loadAfter.toFixed(2)} after: the load generator, upstream and proxy share these CPUs (and with whatever else runs).
Load: autocannon, ${connections} connections, ${duration} s per target per round after a 1 s warm-up, \`GET /\` for a ${'hello from blue\n'.length}-byte body;
${rounds} interleaved rounds, median shown. Upstream: one node:http process. Router and nginx both keep
upstream connections alive and set X-Forwarded-For/-Proto/-Host. CPU µs/req: the proxy's own
user+system time (nginx: master + workers) over the requests served in the round.

${table}

## Blue-green switch under load

${connections} keep-alive request loops against the router; \`setRoutes\` moves 100 % from blue to green 1.5 s in.

| measure | value |
| --- | ---: |
| requests during the run | ${sw.requests} |
| failed requests | ${sw.failed} |
| requests sent after the switch that still reached blue | ${sw.sentAfterSwitchOnBlue} of ${sw.sentAfterSwitch} |
| new requests all on green after | ${sw.newRequestsSwitchedMs.toFixed(2)} ms |
| last blue response (in flight at the switch) completed after | ${sw.lastBlueResponseMs.toFixed(2)} ms |
| blue responses completing after the switch (in flight) | ${sw.inFlightAtSwitch} |

"New requests all on green after" is the send time of the last request answered by blue minus the
moment \`setRoutes\` returned (0 when every request sent after the swap went to green; client and router
clocks are the same machine clock).
`;
console.log('\n' + md);
if (!args.includes('--no-write')) writeFileSync(path.join(here, 'result.md'), md);
cleanup();
process.exit(0);
