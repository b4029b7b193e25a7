#!/usr/bin/env node
// The SDK through a real outage: a `gantry serve` process (embedded PostgreSQL) is stopped for 60
// seconds and started again on the same port while the SDK evaluates in a tight loop. Prints the
// evaluations made, how many failed (an exception, an error result or a value other than the last
// known one), and how long after the server's return the SDK was reconnected and serving a
// release made at that moment. Exits 1 if any evaluation failed or the return took over 2 s.
//
//   npx tsc -b packages/sdk-node packages/cli
//   node packages/sdk-node/scripts/outage.mjs [--outage-seconds 60] [--json]
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createGantryClient } from '../dist/index.js';

const args = process.argv.slice(2);
const outageSeconds = Number(args[args.indexOf('--outage-seconds') + 1] || 60) || 60;
const asJson = args.includes('--json');
const cli = fileURLToPath(new URL('../../cli/bin/gantry.js', import.meta.url));
const adminToken = `gnt_outage_${randomBytes(12).toString('hex')}`;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const log = (line) => asJson || process.stderr.write(`${line}\n`);

async function freePort() {
  const probe = createServer();
  await new Promise((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address();
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

const port = await freePort();
const url = `http://127.0.0.1:${port}`;
const dataRoot = mkdtempSync(join(tmpdir(), 'gantry-outage-'));
// The embedded PostgreSQL may run as another user: it must be able to reach its directory.
chmodSync(dataRoot, 0o755);

/** Starts `gantry serve`; resolves when /healthz answers, with the process and that moment. */
async function startServer() {
  const child = spawn(process.execPath, [cli, 'serve', '--port', String(port), '--data-dir', join(dataRoot, 'data'), '--log-level', 'warn'], {
    env: { ...process.env, GANTRY_ADMIN_TOKEN: adminToken }, stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`gantry serve exited with ${child.exitCode}`);
    const ok = await fetch(`${url}/healthz`, { headers: { connection: 'close' } }).then((r) => r.ok, () => false);
    if (ok) return { at: performance.now(), stop: async () => { child.kill('SIGTERM'); await exited; } };
    if (Date.now() > deadline) throw new Error('gantry serve did not become healthy within 60 s');
    await sleep(10);
  }
}

async function api(method, path, body) {
  const response = await fetch(`${url}${path}`, {
    method, headers: { authorization: `Bearer ${adminToken}`, connection: 'close', ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path} → ${response.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

let server = await startServer();
let client;
try {
  await api('POST', '/api/v1/environments', { name: 'production' });
  await api('POST', '/api/v1/features', { key: 'outage-flag' });
  await api('POST', '/api/v1/features/outage-flag/environments/production/releases', { action: 'on' });
  const { secret: token } = await api('POST', '/api/v1/tokens', { name: 'outage-sdk', scope: 'sdk-server:production' });

  // Production settings: nothing tuned for the test.
  const warnings = [];
  client = createGantryClient({ url, token, logger: { warn: (m) => warnings.push(m), error: (m) => warnings.push(m) } });
  const statuses = [];
  client.on('status', ({ status }) => statuses.push({ status, at: performance.now() }));
  await client.ready();

  const context = { targetingKey: 'user-1' };
  // Before the return only the last known value (on) is right; after the release, on until the
  // first off, then only off.
  let allowed = new Set([true]);
  let switching = false;
  let evaluations = 0;
  let failed = 0;
  let firstNewAt;
  let running = true;
  const loop = (async () => {
    while (running) {
      for (let i = 0; i < 200; i++) {
        try {
          const { value, errorCode } = client.booleanDetails('outage-flag', context, false);
          evaluations += 1;
          if (errorCode !== undefined || !allowed.has(value)) failed += 1;
          if (switching && value === false && firstNewAt === undefined) {
            firstNewAt = performance.now();
            allowed = new Set([false]);
          }
        } catch {
          failed += 1;
        }
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
  })();

  log(`server up on ${url}; SDK ready at revision ${client.revision}; stopping the server for ${outageSeconds} s`);
  const before = evaluations;
  await server.stop();
  const stoppedAt = performance.now();
  await sleep(outageSeconds * 1000);
  const duringOutage = evaluations - before;
  server = await startServer();
  const back = server.at;
  log(`server back after ${((back - stoppedAt) / 1000).toFixed(1)} s; releasing a change`);
  switching = true;
  allowed = new Set([true, false]);
  await api('POST', '/api/v1/features/outage-flag/environments/production/releases', { action: 'off' });
  const releasedAt = performance.now();
  const deadline = Date.now() + 10_000;
  while (firstNewAt === undefined && Date.now() < deadline) await sleep(1);
  running = false;
  await loop;
  const reconnectedAt = statuses.find((s) => s.status === 'ready' && s.at > back)?.at;

  const result = {
    outageSeconds,
    evaluations,
    evaluationsDuringOutage: duringOutage,
    failedEvaluations: failed,
    statuses: statuses.map((s) => s.status),
    reconnectedMsAfterReturn: reconnectedAt === undefined ? null : Math.round(reconnectedAt - back),
    newSnapshotMsAfterReturn: firstNewAt === undefined ? null : Math.round(firstNewAt - back),
    releasePropagationMs: firstNewAt === undefined ? null : Math.round(firstNewAt - releasedAt),
    sdkWarnings: warnings.length,
  };
  if (asJson) {
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } else {
    console.log(`outage: ${outageSeconds} s (gantry serve stopped with SIGTERM, restarted on the same port and data)`);
    console.log(`evaluations: ${evaluations} (${duringOutage} during the outage), failed: ${failed}`);
    console.log(`status: ${result.statuses.join(' → ')}`);
    console.log(`reconnected: ${result.reconnectedMsAfterReturn} ms after the server's return`);
    console.log(`on the new snapshot: ${result.newSnapshotMsAfterReturn} ms after the server's return (release to SDK: ${result.releasePropagationMs} ms)`);
  }
  process.exitCode = failed === 0 && result.newSnapshotMsAfterReturn !== null && result.newSnapshotMsAfterReturn <= 2000 ? 0 : 1;
} finally {
  await client?.close();
  await server.stop();
  rmSync(dataRoot, { recursive: true, force: true });
}
