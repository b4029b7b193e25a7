import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync, copyFileSync, mkdirSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Behaviour { version: string; health?: 'ok' | 'fail'; failEvery?: number; listen?: boolean }

/** Packs one version of the fixture app into a .tgz, the way a CI would build an artifact. */
export function packVersion(dir: string, b: Behaviour): { file: string; digest: string } {
  const src = join(dir, `src-${b.version}`);
  mkdirSync(src, { recursive: true });
  copyFileSync(fileURLToPath(new URL('./fixtures/app.mjs', import.meta.url)), join(src, 'app.mjs'));
  writeFileSync(join(src, 'behaviour.json'), JSON.stringify(b));
  const file = join(dir, `${b.version}.tgz`);
  execFileSync('tar', ['czf', file, '-C', src, '.']);
  return { file, digest: `sha256:${createHash('sha256').update(readFileSync(file)).digest('hex')}` };
}

/** Serves artifacts over HTTP on 127.0.0.1, like a registry would. */
export async function artifactServer(dir: string): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    try {
      const body = readFileSync(join(dir, decodeURIComponent((req.url ?? '/').slice(1)).replace(/[^A-Za-z0-9._-]/g, '')));
      res.writeHead(200, { 'content-type': 'application/gzip' }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((r) => server.close(() => r())) };
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Polls until `read` satisfies `ok`, or fails with the last value after `timeoutMs`. */
export async function waitFor<T>(what: string, read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    try {
      last = await read();
      if (ok(last)) return last;
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)?.slice(0, 2000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** GET through the router; the version that answered, or the failure. */
export async function hit(url: string, headers: Record<string, string> = {}): Promise<{ status: number; version: string | null }> {
  const res = await fetch(url, { headers });
  await res.arrayBuffer();
  return { status: res.status, version: res.headers.get('x-version') };
}

/** A bounded load: `concurrency` loops for `durationMs`; counts answers by status and version. */
export async function load(url: string, durationMs: number, concurrency = 8): Promise<{ total: number; failed: number; byVersion: Record<string, number>; errors: string[] }> {
  const stats = { total: 0, failed: 0, byVersion: {} as Record<string, number>, errors: [] as string[] };
  const end = Date.now() + durationMs;
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const one = () => new Promise<void>((resolve) => {
    const req = http.get(url, { agent }, (res) => {
      res.resume();
      res.on('end', () => {
        stats.total += 1;
        const v = String(res.headers['x-version'] ?? '?');
        stats.byVersion[v] = (stats.byVersion[v] ?? 0) + 1;
        if (res.statusCode !== 200) { stats.failed += 1; if (stats.errors.length < 10) stats.errors.push(`status ${res.statusCode}`); }
        resolve();
      });
    });
    req.on('error', (e) => { stats.total += 1; stats.failed += 1; if (stats.errors.length < 10) stats.errors.push(e.message); resolve(); });
  });
  await Promise.all(Array.from({ length: concurrency }, async () => { while (Date.now() < end) await one(); }));
  agent.destroy();
  return stats;
}
