// Propagation: time from a release's API call to its arrival in N streaming clients, for
// N = 1,000 and 10,000 (issue target: p99 <= 100 ms at 10,000), beside the floor: a bare Node
// fan-out of one chunk to the same number of streams, in the same run. The clients are bare SSE
// connections in this process (one event loop, one clock with the API call); the server runs in
// its own process. Run: `npm run build && node bench/propagation/run.mjs` (writes result.md).
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { fileURLToPath } from 'node:url';

const SIZES = (process.env.BENCH_CLIENTS ?? '1000,10000').split(',').map(Number);
const CHANGES = Number(process.env.BENCH_CHANGES ?? 10);
const adminToken = 'gnt_bench_admin_token_000000000000';

function startServerProcess(script = '../ofrep/server-process.mjs') {
  const child = spawn(process.execPath, [...(process.env.BENCH_PROFILE ? ['--cpu-prof', '--cpu-prof-dir=' + process.env.BENCH_PROFILE] : []), fileURLToPath(new URL(script, import.meta.url))], {
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

/**
 * Opens one SSE connection on a bare TCP socket and reports the time each revision's event
 * arrives. No HTTP client library: 10,000 clients share this process's one event loop, and the
 * bench must measure the server, not a client's parser. The id line of each event is all a client
 * needs; the chunked framing around it does not matter for finding it.
 */
function openClient(url, token, onRevision) {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: hostname, port: Number(port) });
    socket.setNoDelay(true);
    socket.once('error', reject);
    socket.write(`GET /api/v1/sdk/stream HTTP/1.1\r\nhost: ${hostname}:${port}\r\nauthorization: Bearer ${token}\r\naccept: text/event-stream\r\n\r\n`);
    let opened = false;
    let answered = false;
    socket.on('data', (chunk) => {
      const at = performance.now();
      if (!answered) {
        answered = true;
        if (chunk.indexOf('HTTP/1.1 200', 0, 'latin1') !== 0) return reject(new Error(`stream answered ${chunk.toString('latin1', 0, 40)}`));
      }
      let from = 0;
      for (;;) {
        const i = chunk.indexOf('\nid: ', from, 'latin1');
        if (i < 0) break;
        let revision = 0;
        let j = i + 5;
        for (let c = chunk[j]; c >= 48 && c <= 57; c = chunk[++j]) revision = revision * 10 + (c - 48);
        from = j;
        if (!opened) { opened = true; resolve(socket); }
        onRevision(revision, at);
      }
    });
  });
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];

/**
 * Opens `size` clients on `target`, makes CHANGES changes through it one after the other, and
 * returns the latency of every delivery. `target.change(revision)` makes the change that the
 * streams will carry as `revision`.
 */
async function measure(target, size) {
  const latencies = [];
  const sent = new Map(); // revision -> time of the call that made it
  const pending = new Map();
  const onRevision = (revision, at) => {
    const t0 = sent.get(revision);
    if (t0 === undefined) return;
    latencies.push(at - t0);
    pending.set(revision, pending.get(revision) - 1);
  };
  const open = [];
  while (open.length < size) {
    const batch = [];
    for (let i = 0; i < Math.min(500, size - open.length); i++) batch.push(openClient(target.url, target.token, onRevision));
    open.push(...(await Promise.all(batch)));
    if (process.env.BENCH_VERBOSE) console.error(`${target.name} open: ${open.length}`);
  }
  let revision = await target.revision();
  for (let c = 0; c < CHANGES; c++) {
    revision += 1;
    pending.set(revision, open.length);
    sent.set(revision, performance.now());
    await target.change(revision, c);
    const deadline = performance.now() + 10_000;
    while (pending.get(revision) > 0 && performance.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    if (pending.get(revision) > 0) throw new Error(`${target.name}: ${pending.get(revision)} clients did not receive revision ${revision} within 10 s`);
  }
  for (const socket of open) socket.destroy();
  latencies.sort((a, b) => a - b);
  return { count: latencies.length, p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99), max: latencies[latencies.length - 1] };
}

// Gantry: a release through the API is the change; this bench is the only writer, so each
// release makes the revision exactly one higher.
const server = await startServerProcess();
const api = async (method, path, body) => {
  const res = await fetch(server.url + path, { method, headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' }, body: body && JSON.stringify(body) });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res.json();
};
await api('POST', '/api/v1/environments', { name: 'production' });
for (let i = 0; i < 20; i++) await api('POST', '/api/v1/features', { key: `feature-${i}` });
const token = (await api('POST', '/api/v1/tokens', { name: 'bench', scope: 'sdk-server:production' })).secret;
const gantry = {
  name: 'gantry', url: server.url, token,
  async revision() {
    const res = await fetch(`${server.url}/api/v1/sdk/snapshot`, { headers: { authorization: `Bearer ${token}` } });
    return (await res.json()).revision;
  },
  change: (_revision, c) => api('POST', `/api/v1/features/feature-${c % 20}/environments/production/releases`, { action: c % 2 ? 'off' : 'on' }),
};
const results = new Map();
for (const size of SIZES) results.set(size, { gantry: await measure(gantry, size) });
await server.stop();

const floorServer = await startServerProcess('./floor-server.mjs');
const floor = {
  name: 'floor', url: floorServer.url, token: 'none', revision: async () => 0,
  change: async (revision) => { const res = await fetch(`${floorServer.url}/publish?id=${revision}`, { method: 'POST' }); if (res.status !== 204) throw new Error(`floor answered ${res.status}`); },
};
for (const size of SIZES) results.get(size).floor = await measure(floor, size);
await floorServer.stop();

const md = [
  '## Propagation to streaming clients',
  '',
  `Machine: ${os.cpus()[0].model}, ${os.cpus().length} CPUs, Node ${process.version}. Command: \`node bench/propagation/run.mjs\`.`,
  `Each row: ${CHANGES} changes; latency = arrival of the change's SSE event at each client − start of the call that made it. Clients in one process (bare sockets), server in another, same CPUs.`,
  '**Gantry**: a release through the API (validation, transaction, audit, NOTIFY, snapshot rebuild, patch).',
  '**Floor**: `bench/propagation/floor-server.mjs`, the least a Node process can do — one pre-encoded chunk of a similar size written to every open stream on a `POST`. What it takes is this machine\'s cost of the writes themselves.',
  '',
  '| clients | deliveries | Gantry p50 ms | Gantry p99 ms | Gantry max ms | floor p50 ms | floor p99 ms | p99 ratio (Gantry / floor) |',
  '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ...[...results].map(([size, { gantry: g, floor: f }]) => `| ${size.toLocaleString('en-US')} | ${g.count.toLocaleString('en-US')} | ${g.p50.toFixed(1)} | ${g.p99.toFixed(1)} | ${g.max.toFixed(1)} | ${f.p50.toFixed(1)} | ${f.p99.toFixed(1)} | ${(g.p99 / f.p99).toFixed(2)} |`),
  '',
].join('\n');
writeFileSync(fileURLToPath(new URL('./result.md', import.meta.url)), md);
console.log(md);
