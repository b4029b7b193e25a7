import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedPort, release, serverWithFeatures } from './helpers.js';
import type { TestServer } from './helpers.js';

const fixture = fileURLToPath(new URL('./fixtures/lifecycle.mjs', import.meta.url));
const built = fileURLToPath(new URL('../dist/index.js', import.meta.url));
let server: TestServer;
let token: string;

beforeAll(async () => {
  ({ server, token } = await serverWithFeatures([{ key: 'dark-mode' }]));
  await release(server, 'dark-mode', { action: 'on' });
});
afterAll(() => server?.close());

/** Runs the lifecycle script and resolves with what it printed and when it exited. */
function runLifecycle(url: string, mode: string) {
  return new Promise<{ code: number | null; report: { ready: string; alive: string[]; stats: Record<string, number>; closedAt: number }; exitedAt: number }>((resolve, reject) => {
    const child = spawn(process.execPath, [fixture, url, token, mode], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    child.stderr.on('data', (d: Buffer) => (err += d));
    const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(killer);
      try {
        resolve({ code, report: JSON.parse(out), exitedAt: Date.now() });
      } catch {
        reject(new Error(`the lifecycle script printed ${JSON.stringify(out)} and ${JSON.stringify(err)}`));
      }
    });
  });
}

describe('close()', () => {
  it.each(['stream', 'poll', 'unreachable'])('leaves no timer or socket behind (%s): the process ends by itself at once', async (mode) => {
    expect(existsSync(built), 'the lifecycle script runs the built SDK: npx tsc -b packages/sdk-node').toBe(true);
    const url = mode === 'unreachable' ? `http://127.0.0.1:${await closedPort()}` : server.url;
    const { code, report, exitedAt } = await runLifecycle(url, mode);
    expect(code).toBe(0);
    expect(report.alive).toEqual([]);
    expect(exitedAt - report.closedAt).toBeLessThan(1000);
    if (mode === 'unreachable') {
      expect(report.ready).toBe('timeout');
    } else {
      expect(report.ready).toBe('ready');
      expect(report.stats).toMatchObject({ eventsSent: 1, evaluationsSent: 1, eventsPending: 0 });
    }
  });
});
