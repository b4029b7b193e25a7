// OFREP bulk evaluation throughput: one Gantry server process, 350 features, autocannon on
// loopback from another process. Target (issue): >= 6,900 requests/s, Unleash Edge's published
// per-CPU figure. A bare node:http server answering the same precomputed body gives the ceiling
// of this machine, so the ratio says how much of it Gantry's work costs.
// Run: `npm run build && node bench/ofrep/run.mjs` (writes bench/ofrep/result.md).
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { contexts, FEATURE_COUNT, seed } from './fixtures.mjs';

const DURATION = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const adminToken = 'gnt_bench_admin_token_000000000000';

function startServerProcess() {
  const child = spawn(process.execPath, [fileURLToPath(new URL('./server-process.mjs', import.meta.url))], {
    env: { ...process.env, BENCH_ADMIN_TOKEN: adminToken }, stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /LISTENING (\S+)/.exec(out);
      if (m) resolve({ url: m[1], stop: () => new Promise((r) => { child.once('exit', r); child.kill('SIGTERM'); }) });
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
}

function load(url, path, headers, bodies) {
  let i = 0;
  return new Promise((resolve, reject) => {
    autocannon({
      url: url + path, method: 'POST', connections: CONNECTIONS, duration: DURATION, headers: { 'content-type': 'application/json', ...headers },
      requests: [{ setupRequest: (req) => ({ ...req, body: bodies[i++ % bodies.length] }) }],
    }, (err, result) => (err ? reject(err) : resolve(result)));
  });
}

const server = await startServerProcess();
const api = async (method, path, body) => {
  const res = await fetch(server.url + path, { method, headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' }, body: body && JSON.stringify(body) });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res.json();
};
await seed(api, 'production');
const sdk = (await api('POST', '/api/v1/tokens', { name: 'bench', scope: 'sdk-client:production' })).secret;
const bodies = contexts(200).map((context) => JSON.stringify({ context }));
const sample = await fetch(`${server.url}/ofrep/v1/evaluate/flags`, { method: 'POST', headers: { authorization: `Bearer ${sdk}`, 'content-type': 'application/json' }, body: bodies[0] });
const sampleBody = await sample.text();
const flags = JSON.parse(sampleBody).flags.length;
if (flags !== FEATURE_COUNT) throw new Error(`expected ${FEATURE_COUNT} flags, got ${flags}`);

// Warm up the JIT and the token cache, then measure.
await load(server.url, '/ofrep/v1/evaluate/flags', { authorization: `Bearer ${sdk}` }, bodies).catch(() => {});
const gantry = await load(server.url, '/ofrep/v1/evaluate/flags', { authorization: `Bearer ${sdk}` }, bodies);
await server.stop();

// The ceiling: a bare node:http server, one process, answering the same bytes.
const bare = createServer((req, res) => { req.resume(); req.on('end', () => { res.writeHead(200, { 'content-type': 'application/json' }); res.end(sampleBody); }); });
const bareChild = spawn(process.execPath, ['-e', `
  const body = ${JSON.stringify(sampleBody)};
  require('http').createServer((q, s) => { q.resume(); q.on('end', () => { s.writeHead(200, {'content-type':'application/json'}); s.end(body); }); })
    .listen(0, '127.0.0.1', function () { console.log('LISTENING http://127.0.0.1:' + this.address().port); });
`], { stdio: ['ignore', 'pipe', 'inherit'] });
bare.close();
const bareUrl = await new Promise((resolve) => bareChild.stdout.on('data', (d) => { const m = /LISTENING (\S+)/.exec(String(d)); if (m) resolve(m[1]); }));
await load(bareUrl, '/', {}, bodies);
const ceiling = await load(bareUrl, '/', {}, bodies);
bareChild.kill();

const row = (name, r) => `| ${name} | ${Math.round(r.requests.average).toLocaleString('en-US')} | ${r.latency.p50} | ${r.latency.p99} | ${r.non2xx + r.errors} |`;
const md = [
  '## OFREP bulk evaluation throughput',
  '',
  `Machine: ${os.cpus()[0].model}, ${os.cpus().length} CPUs, Node ${process.version}. Command: \`node bench/ofrep/run.mjs\`.`,
  `Load: autocannon, ${CONNECTIONS} connections, ${DURATION} s, 200 distinct contexts, body of ${sampleBody.length.toLocaleString('en-US')} bytes (${FEATURE_COUNT} flags); server and load generator in separate processes on the same 2 CPUs.`,
  '',
  '| server | requests/s | p50 ms | p99 ms | errors |',
  '| --- | ---: | ---: | ---: | ---: |',
  row('Gantry `POST /ofrep/v1/evaluate/flags`', gantry),
  row('bare node:http, same bytes, no work (ceiling)', ceiling),
  '',
  `Gantry reaches ${(gantry.requests.average / ceiling.requests.average * 100).toFixed(0)} % of the machine's ceiling and ${(gantry.requests.average / 6900).toFixed(2)}× the 6,900 requests/s target.`,
  '',
].join('\n');
writeFileSync(fileURLToPath(new URL('./result.md', import.meta.url)), md);
console.log(md);
