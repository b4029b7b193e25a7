import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { DesiredArtifact, DesiredVersion } from '../agent/types.js';
import { TEST_SERVICE } from './index.js';

export interface BuiltArtifact {
  file: string;
  /** `sha256:<hex>` of the file. */
  digest: string;
  fileUrl: string;
}

export const sha256 = (data: Buffer | string) => `sha256:${createHash('sha256').update(data).digest('hex')}`;

export function tempDir(prefix = 'gantry-agent-'): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/**
 * A release tarball of the test service, made now with the system `tar`: `test-service.mjs` and
 * its one dependency (`ws`), as a build would ship it. `gzip: false` makes a plain tar.
 */
export function buildServiceTarball(dir: string, name = 'test-service.tgz', { gzip = true, extra }: { gzip?: boolean; extra?: Record<string, string> } = {}): BuiltArtifact {
  const staging = mkdtempSync(join(dir, 'staging-'));
  cpSync(TEST_SERVICE, join(staging, 'test-service.mjs'));
  const ws = dirname(createRequire(import.meta.url).resolve('ws/package.json'));
  cpSync(ws, join(staging, 'node_modules', 'ws'), { recursive: true, dereference: true });
  for (const [file, text] of Object.entries(extra ?? {})) {
    mkdirSync(dirname(join(staging, file)), { recursive: true });
    writeFileSync(join(staging, file), text);
  }
  const file = join(dir, name);
  execFileSync('tar', [gzip ? '-czf' : '-cf', file, '-C', staging, '.']);
  rmSync(staging, { recursive: true, force: true });
  return { file, digest: sha256(readFileSync(file)), fileUrl: pathToFileURL(file).href };
}

export interface FileServer {
  url: string;
  /** Paths requested, in order. */
  hits: string[];
  close(): Promise<void>;
}

/** Serve the files of `dir` over HTTP on 127.0.0.1 (404 for anything else). */
export async function serveFiles(dir: string): Promise<FileServer> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    const name = basename(new URL(req.url ?? '/', 'http://x').pathname);
    hits.push(name);
    let body: Buffer;
    try {
      body = readFileSync(join(dir, name));
    } catch {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hits,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** A desired version of the test service: `node test-service.mjs` in the unpacked artifact, healthy on /health. */
export function serviceVersion(
  version: string,
  artifact: Partial<DesiredArtifact> & { digest: string },
  { deploymentId = 1, env = {}, instances = 1, health = {} }: { deploymentId?: number; env?: Record<string, string>; instances?: number; health?: Record<string, number | string> } = {},
): DesiredVersion {
  return {
    version,
    deploymentId,
    artifact: { url: null, fetchCommand: null, unpack: 'tar', ...artifact },
    run: {
      command: [process.execPath, 'test-service.mjs'],
      env: { VERSION: version, ...env },
      instances,
      health: { path: '/health', intervalMs: 100, timeoutMs: 1000, healthyThreshold: 1, unhealthyThreshold: 2, ...health },
      stopTimeoutMs: 3000,
    },
  };
}
