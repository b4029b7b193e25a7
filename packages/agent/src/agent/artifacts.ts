import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync, readdirSync, renameSync, rmSync, chmodSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { fileURLToPath } from 'node:url';
import { AgentError } from '../errors.js';
import type { DesiredArtifact } from './types.js';

export type ArtifactErrorCode = 'invalid_digest' | 'artifact_unreachable' | 'fetch_command_failed' | 'digest_mismatch' | 'unpack_failed';

/** An artifact could not be fetched, verified or unpacked; the version fails and nothing of it starts. */
export class ArtifactError extends AgentError {
  constructor(code: ArtifactErrorCode, message: string) {
    super(code, message, 422);
  }
}

export interface ArtifactStoreOptions {
  /** Where unpacked artifacts are kept, one directory per digest (`<stateDir>/artifacts`). */
  dir: string;
  fetch: typeof fetch;
  /** Environment of a `fetchCommand`, before the `GANTRY_*` variables (the supervisor's minimal one). */
  baseEnv: Record<string, string>;
  /** Limit for fetching one artifact, download or command (default 600 000 ms). */
  timeoutMs?: number;
  /** Aborts fetches under way (the agent stopping). */
  signal?: AbortSignal;
}

export interface ArtifactRequest {
  service: string;
  version: string;
  artifact: DesiredArtifact;
}

const DIGEST = /^(sha256|sha384|sha512):([a-f0-9]+)$/;
const HEX_LENGTH: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };

function parseDigest(digest: string): { algorithm: string; hex: string } {
  const match = DIGEST.exec(digest.toLowerCase());
  if (!match || match[2]!.length !== HEX_LENGTH[match[1]!]) {
    throw new ArtifactError('invalid_digest', `digest "${digest}" is not sha256:<64 hex digits> (or sha384/sha512)`);
  }
  return { algorithm: match[1]!, hex: match[2]! };
}

/**
 * Fetches, verifies and unpacks artifacts, cached by digest: a directory appears under its final
 * name only once complete (renamed from a temporary one), so an agent restart never refetches it
 * and never sees half of one.
 */
export class ArtifactStore {
  private readonly inFlight = new Map<string, Promise<string>>();
  private readonly timeoutMs: number;

  constructor(private readonly options: ArtifactStoreOptions) {
    this.timeoutMs = options.timeoutMs ?? 600_000;
    mkdirSync(options.dir, { recursive: true, mode: 0o700 });
    for (const name of readdirSync(options.dir)) {
      if (name.startsWith('.tmp-')) rmSync(join(options.dir, name), { recursive: true, force: true });
    }
  }

  /** The directory to run the version in: cached, or fetched, verified and unpacked now. */
  async ensure(request: ArtifactRequest): Promise<string> {
    const { algorithm, hex } = parseDigest(request.artifact.digest);
    const final = join(this.options.dir, `${algorithm}-${hex}-${request.artifact.unpack}`);
    if (existsSync(final)) return final;
    let pending = this.inFlight.get(final);
    if (!pending) {
      pending = this.fetchInto(request, algorithm, hex, final).finally(() => this.inFlight.delete(final));
      this.inFlight.set(final, pending);
    }
    return pending;
  }

  private async fetchInto(request: ArtifactRequest, algorithm: string, hex: string, final: string): Promise<string> {
    const temp = join(this.options.dir, `.tmp-${randomBytes(6).toString('hex')}`);
    mkdirSync(temp, { mode: 0o700 });
    try {
      const file = join(temp, 'download');
      const actual = await this.fetchFile(request, file, algorithm);
      if (actual !== hex) {
        throw new ArtifactError('digest_mismatch', `digest mismatch: expected ${algorithm}:${hex}, the artifact has ${algorithm}:${actual}`);
      }
      const out = join(temp, 'out');
      mkdirSync(out);
      if (request.artifact.unpack === 'tar') {
        await untar(file, out, this.options.baseEnv);
      } else {
        const target = join(out, fileName(request.artifact.url));
        renameSync(file, target);
        chmodSync(target, 0o755);
      }
      try {
        renameSync(out, final);
      } catch (err) {
        if (!existsSync(final)) throw err; // another agent run won the race: its copy is identical
      }
      return final;
    } finally {
      rmSync(temp, { recursive: true, force: true });
    }
  }

  private signal(): AbortSignal {
    const timeout = AbortSignal.timeout(this.timeoutMs);
    return this.options.signal ? AbortSignal.any([timeout, this.options.signal]) : timeout;
  }

  /** Fetch to `file` and return the hex digest of what was written. */
  private async fetchFile(request: ArtifactRequest, file: string, algorithm: string): Promise<string> {
    const { url, fetchCommand } = request.artifact;
    if (fetchCommand) {
      await runFetchCommand(fetchCommand, file, request, this.options.baseEnv, this.timeoutMs, this.options.signal);
      return hashFile(file, algorithm);
    }
    if (!url) throw new ArtifactError('artifact_unreachable', 'the artifact has neither a url nor a fetchCommand');
    const hash = createHash(algorithm);
    const hashing = new Transform({
      transform(chunk: Buffer, _enc, done) {
        hash.update(chunk);
        done(null, chunk);
      },
    });
    let source: Readable;
    if (url.startsWith('file:')) {
      let path: string;
      try {
        path = fileURLToPath(url);
      } catch (err) {
        throw new ArtifactError('artifact_unreachable', `${url}: ${(err as Error).message}`);
      }
      source = createReadStream(path);
    } else if (/^https?:\/\//i.test(url)) {
      let response: Response;
      try {
        response = await this.options.fetch(url, { signal: this.signal() });
      } catch (err) {
        throw new ArtifactError('artifact_unreachable', `GET ${url}: ${describe(err)}`);
      }
      if (!response.ok || !response.body) {
        await response.body?.cancel();
        throw new ArtifactError('artifact_unreachable', `GET ${url}: ${response.status} ${response.statusText}`.trim());
      }
      source = Readable.fromWeb(response.body as WebReadableStream);
    } else {
      throw new ArtifactError('artifact_unreachable', `${url}: only http(s):// and file:// URLs are fetched; use a fetchCommand for others`);
    }
    try {
      await pipeline(source, hashing, createWriteStream(file, { mode: 0o600 }));
    } catch (err) {
      throw new ArtifactError('artifact_unreachable', `${url}: ${describe(err)}`);
    }
    return hash.digest('hex');
  }
}

function fileName(url: string | null): string {
  if (url) {
    try {
      const name = basename(new URL(url).pathname);
      if (/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(name)) return name;
    } catch {
      // fall through
    }
  }
  return 'artifact';
}

async function hashFile(file: string, algorithm: string): Promise<string> {
  const hash = createHash(algorithm);
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

async function isGzip(file: string): Promise<boolean> {
  const handle = await open(file, 'r');
  try {
    const head = Buffer.alloc(2);
    const { bytesRead } = await handle.read(head, 0, 2, 0);
    return bytesRead === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    await handle.close();
  }
}

async function untar(file: string, out: string, env: Record<string, string>): Promise<void> {
  const args = ['-x', ...((await isGzip(file)) ? ['-z'] : []), '-f', file, '-C', out, '--no-same-owner', '--no-same-permissions'];
  const result = await runProcess('tar', args, { env, timeoutMs: 300_000 });
  if (result.code !== 0) throw new ArtifactError('unpack_failed', `tar could not unpack the artifact (${result.why}): ${result.stderr.trim() || 'no output'}`);
}

async function runFetchCommand(command: string, output: string, request: ArtifactRequest, baseEnv: Record<string, string>, timeoutMs: number, signal?: AbortSignal): Promise<void> {
  const env = { ...baseEnv, GANTRY_OUTPUT: output, GANTRY_SERVICE: request.service, GANTRY_VERSION: request.version, GANTRY_DIGEST: request.artifact.digest };
  const result = await runProcess('/bin/sh', ['-c', command], { env, timeoutMs, signal });
  if (result.code !== 0) {
    throw new ArtifactError('fetch_command_failed', `fetchCommand ${result.why}: ${result.stderr.trim() || 'no output on stderr'}`);
  }
  if (!existsSync(output)) throw new ArtifactError('fetch_command_failed', 'fetchCommand succeeded but wrote nothing to $GANTRY_OUTPUT');
}

interface ProcessResult {
  code: number | null;
  why: string;
  /** The last 2 KiB of stderr. */
  stderr: string;
}

/** Run a helper in its own process group; on timeout the whole group is killed. */
function runProcess(file: string, args: string[], options: { env: Record<string, string>; timeoutMs: number; signal?: AbortSignal | undefined }): Promise<ProcessResult> {
  return new Promise((resolve) => {
    const child = spawn(file, args, { env: options.env, stdio: ['ignore', 'ignore', 'pipe'], detached: true });
    let stderr = '';
    let timedOut = false;
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-2048);
    });
    const kill = () => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, options.timeoutMs);
    options.signal?.addEventListener('abort', kill, { once: true });
    child.once('error', (err) => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', kill);
      resolve({ code: null, why: `could not start: ${err.message}`, stderr });
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', kill);
      const why = timedOut ? `timed out after ${options.timeoutMs} ms` : signal ? `was killed by ${signal}` : `exited with code ${code}`;
      resolve({ code: timedOut ? null : code, why, stderr });
    });
  });
}

function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  if (err.name === 'TimeoutError' || err.name === 'AbortError') return 'timed out';
  return cause?.code ?? cause?.message ?? (err as NodeJS.ErrnoException).code ?? err.message;
}
