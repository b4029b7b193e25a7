import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultChildEnvironment } from '../config/env.js';
import { buildServiceTarball, serveFiles, sha256, tempDir, type BuiltArtifact, type FileServer } from '../test-support/artifacts.js';
import { freePort } from '../test-support/index.js';
import { ArtifactError, ArtifactStore } from './artifacts.js';
import type { DesiredArtifact } from './types.js';

const work = tempDir('gantry-artifacts-');
let tarball: BuiltArtifact;
let plain: BuiltArtifact;
let files: FileServer;

beforeAll(async () => {
  tarball = buildServiceTarball(work.path);
  plain = buildServiceTarball(work.path, 'plain.tar', { gzip: false });
  writeFileSync(join(work.path, 'tool.sh'), '#!/bin/sh\necho tool\n');
  files = await serveFiles(work.path);
});
afterAll(async () => {
  await files.close();
  work.remove();
  for (const remove of dirs) remove();
});

const dirs: (() => void)[] = [];
function scratch(): string {
  const dir = tempDir('gantry-artifact-store-');
  dirs.push(dir.remove);
  return dir.path;
}

function store(dir = scratch(), timeoutMs?: number): ArtifactStore {
  return new ArtifactStore({ dir, fetch, baseEnv: defaultChildEnvironment(), timeoutMs });
}

const request = (artifact: Partial<DesiredArtifact> & { digest: string }) => ({
  service: 'web',
  version: '1.0.0',
  artifact: { url: null, fetchCommand: null, unpack: 'tar' as const, ...artifact },
});

async function failure(promise: Promise<unknown>): Promise<ArtifactError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ArtifactError);
  return error as ArtifactError;
}

describe('artifact store', () => {
  it('downloads over http, verifies the digest, unpacks a gzip tarball, and caches it by digest', async () => {
    const dir = scratch();
    const first = store(dir);
    const path = await first.ensure(request({ url: `${files.url}/test-service.tgz`, digest: tarball.digest }));
    expect(readFileSync(join(path, 'test-service.mjs'), 'utf8')).toContain('A tiny HTTP service');
    expect(existsSync(join(path, 'node_modules', 'ws', 'package.json'))).toBe(true);
    const hits = files.hits.filter((h) => h === 'test-service.tgz').length;

    // The same digest again, in this store or in a new one on the same directory: no refetch.
    expect(await first.ensure(request({ url: `${files.url}/test-service.tgz`, digest: tarball.digest }))).toBe(path);
    expect(await store(dir).ensure(request({ url: `${files.url}/test-service.tgz`, digest: tarball.digest }))).toBe(path);
    expect(files.hits.filter((h) => h === 'test-service.tgz').length).toBe(hits);
    // Nothing half-made is left behind.
    expect(readdirSync(dir).filter((n) => n.startsWith('.tmp-'))).toEqual([]);
  });

  it('fetches one artifact once when two versions want it at the same time', async () => {
    const s = store();
    const before = files.hits.length;
    const [a, b] = await Promise.all([
      s.ensure(request({ url: `${files.url}/test-service.tgz`, digest: tarball.digest })),
      s.ensure(request({ url: `${files.url}/test-service.tgz`, digest: tarball.digest })),
    ]);
    expect(a).toBe(b);
    expect(files.hits.length - before).toBe(1);
  });

  it('reads file:// URLs and plain (not gzipped) tarballs', async () => {
    const path = await store().ensure(request({ url: plain.fileUrl, digest: plain.digest }));
    expect(existsSync(join(path, 'test-service.mjs'))).toBe(true);
  });

  it('puts an unpack "none" artifact in a directory of its own, executable', async () => {
    const file = join(work.path, 'tool.sh');
    const path = await store().ensure(request({ url: pathToFileURL(file).href, digest: sha256(readFileSync(file)), unpack: 'none' }));
    expect(readdirSync(path)).toEqual(['tool.sh']);
    expect(statSync(join(path, 'tool.sh')).mode & 0o111).not.toBe(0);
  });

  it('runs a fetchCommand with GANTRY_OUTPUT, GANTRY_SERVICE, GANTRY_VERSION and GANTRY_DIGEST, and a minimal environment', async () => {
    const seen = join(work.path, 'fetch-env.txt');
    const command = `cp '${tarball.file}' "$GANTRY_OUTPUT" && echo "$GANTRY_SERVICE $GANTRY_VERSION $GANTRY_DIGEST \${GANTRY_TOKEN:-none}" > '${seen}'`;
    const path = await store().ensure(request({ fetchCommand: command, digest: tarball.digest }));
    expect(existsSync(join(path, 'test-service.mjs'))).toBe(true);
    expect(readFileSync(seen, 'utf8').trim()).toBe(`web 1.0.0 ${tarball.digest} none`);
  });

  it('fails a fetchCommand that exits non-zero, with its stderr', async () => {
    const error = await failure(store().ensure(request({ fetchCommand: 'echo "no credentials for the registry" >&2; exit 4', digest: tarball.digest })));
    expect(error.code).toBe('fetch_command_failed');
    expect(error.message).toContain('exited with code 4');
    expect(error.message).toContain('no credentials for the registry');
  });

  it('refuses an artifact whose digest does not match, and keeps nothing of it', async () => {
    const dir = scratch();
    const wrong = sha256('something else');
    const error = await failure(store(dir).ensure(request({ url: `${files.url}/test-service.tgz`, digest: wrong })));
    expect(error.code).toBe('digest_mismatch');
    expect(error.message).toBe(`digest mismatch: expected ${wrong}, the artifact has ${tarball.digest}`);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('reports unreachable, missing and unsupported artifacts', async () => {
    const s = store();
    const closed = await freePort();
    const refused = await failure(s.ensure(request({ url: `http://127.0.0.1:${closed}/a.tgz`, digest: tarball.digest })));
    expect(refused.code).toBe('artifact_unreachable');
    expect(refused.message).toBe(`GET http://127.0.0.1:${closed}/a.tgz: ECONNREFUSED`);
    const missing = await failure(s.ensure(request({ url: `${files.url}/nope.tgz`, digest: tarball.digest })));
    expect(missing.message).toMatch(/404/);
    const noFile = await failure(s.ensure(request({ url: 'file:///nonexistent/a.tgz', digest: tarball.digest })));
    expect(noFile.message).toMatch(/ENOENT/);
    const ftp = await failure(s.ensure(request({ url: 'ftp://example.com/a.tgz', digest: tarball.digest })));
    expect(ftp.message).toMatch(/only http\(s\):\/\/ and file:\/\//);
    const digest = await failure(s.ensure(request({ url: tarball.fileUrl, digest: 'md5:abc' })));
    expect(digest.code).toBe('invalid_digest');
  });

  it('fails an artifact that is not a tarball', async () => {
    const file = join(work.path, 'tool.sh');
    const error = await failure(store().ensure(request({ url: pathToFileURL(file).href, digest: sha256(readFileSync(file)) })));
    expect(error.code).toBe('unpack_failed');
  });
});
