// Propagation: time from a release's API call to its arrival in N streaming clients, for
// N = 1,000 and 10,000 (issue target: p99 <= 100 ms at 10,000). The clients are plain SSE
// connections in this process (one event loop, one clock with the API call); the server runs in
// its own process. Run: `npm run build && node bench/propagation/run.mjs` (writes result.md).
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { fileURLToPath } from 'node:url';

const SIZES = (process.env.BENCH_CLIENTS ?? '1000,10000').split(',').map(Number);
const CHANGES = Number(process.env.BENCH_CHANGES ?? 10);
const adminToken = 'gnt_bench_admin_token_000000000000';

function startServerProcess() {
  const child = spawn(process.execPath, [...(process.env.BENCH_PROFILE ? ['--cpu-prof', '--cpu-prof-dir=' + process.env.BENCH_PROFILE] : []), fileURLToPath(new URL('../ofrep/server-process.mjs', import.meta.url))], {
    env: { ...process.env, BENCH_ADMIN_TOKEN: adminToken }, stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (d) => {
      const m = /LISTENING (\S+)/.exec(String(d));
      if (m) resolve({ url: m[1], stop: () => new Promise((r) => { child.once('exit', r); child.kill('SIGTERM'); }) });
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
}

/** Opens one SSE connection and reports the time each revision's event arrives. */
function openClient(url, token, onRevision) {
  return new Promise((resolve, reject) => {
    const req = http.get(`${url}/api/v1/sdk/stream`, { headers: { authorization: `Bearer ${token}` }, agent: false }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`stream answered ${res.statusCode}`));
      // Parsing is kept to a minimum so that 10,000 clients in one process measure the server,
      // not this loop: the id line of each event is all a client needs.
      let opened = false;
      res.on('data', (chunk) => {
        const at = performance.now();
        let from = 0;
        for (;;) {
          const i = chunk.indexOf('\nid: ', from, 'latin1');
          if (i < 0) break;
          let revision = 0;
          let j = i + 5;
          for (let c = chunk[j]; c >= 48 && c <= 57; c = chunk[++j]) revision = revision * 10 + (c - 48);
          from = j;
          if (!opened) { opened = true; resolve(req); }
          onRevision(revision, at);
        }
      });
    });
    req.on('error', reject);
  });
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];

const server = await startServerProcess();
const api = async (method, path, body) => {
  const res = await fetch(server.url + path, { method, headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' }, body: body && JSON.stringify(body) });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res.json();
};
await api('POST', '/api/v1/environments', { name: 'production' });
for (let i = 0; i < 20; i++) await api('POST', '/api/v1/features', { key: `feature-${i}` });
const token = (await api('POST', '/api/v1/tokens', { name: 'bench', scope: 'sdk-server:production' })).secret;

const rows = [];
const open = [];
// Clients opened in an earlier round keep their callback: it must record into the current round.
let sent;
let latencies;
let pending;
const onRevision = (revision, at) => {
  const t0 = sent.get(revision);
  if (t0 === undefined) return;
  latencies.push(at - t0);
  pending.set(revision, pending.get(revision) - 1);
};
for (const size of SIZES) {
  sent = new Map(); // revision -> time of the API call
  latencies = [];
  pending = new Map();
  while (open.length < size) {
    const batch = [];
    for (let i = 0; i < Math.min(500, size - open.length); i++) batch.push(openClient(server.url, token, (r, at) => onRevision(r, at)));
    open.push(...(await Promise.all(batch)));
    if (process.env.BENCH_VERBOSE) console.error(`open: ${open.length}`);
  }
  // Every open client (including those of an earlier, smaller round) counts. This bench is the
  // only writer, so each release makes the revision exactly one higher.
  let revision = await currentRevision();
  for (let c = 0; c < CHANGES; c++) {
    revision += 1;
    pending.set(revision, open.length);
    sent.set(revision, performance.now());
    await api('POST', `/api/v1/features/feature-${c % 20}/environments/production/releases`, { action: c % 2 ? 'off' : 'on' });
    const deadline = performance.now() + 10_000;
    while (pending.get(revision) > 0 && performance.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    if (pending.get(revision) > 0) throw new Error(`${pending.get(revision)} clients did not receive revision ${revision} within 10 s`);
  }
  latencies.sort((a, b) => a - b);
  rows.push({ size: open.length, count: latencies.length, p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99), max: latencies[latencies.length - 1] });
}
for (const req of open) req.destroy();
await server.stop();

async function currentRevision() {
  const sdkSnapshot = await fetch(`${server.url}/api/v1/sdk/snapshot`, { headers: { authorization: `Bearer ${token}` } });
  return (await sdkSnapshot.json()).revision;
}

const md = [
  '## Propagation to streaming clients',
  '',
  `Machine: ${os.cpus()[0].model}, ${os.cpus().length} CPUs, Node ${process.version}. Command: \`node bench/propagation/run.mjs\`.`,
  `Each row: ${CHANGES} releases through the API; latency = arrival of the change's SSE event at each client − start of the API call. Clients in one process, server in another, same 2 CPUs.`,
  '',
  '| clients | deliveries | p50 ms | p99 ms | max ms |',
  '| ---: | ---: | ---: | ---: | ---: |',
  ...rows.map((r) => `| ${r.size.toLocaleString('en-US')} | ${r.count.toLocaleString('en-US')} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.max.toFixed(1)} |`),
  '',
].join('\n');
writeFileSync(fileURLToPath(new URL('./result.md', import.meta.url)), md);
console.log(md);
