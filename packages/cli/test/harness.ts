import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

/** The built binary: the tests run what users run. */
export const cliMain = fileURLToPath(new URL('../dist/main.js', import.meta.url));

export interface CliResult {
  stdout: string;
  stderr: string;
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface RunOptions {
  url?: string;
  /** The token in GANTRY_TOKEN; null for none. */
  token?: string | null;
  env?: Record<string, string>;
  /** Written to stdin, which is then closed. */
  input?: string;
  timeoutMs?: number;
}

/** The variables the CLI and the server read, cleared so that the caller's shell cannot leak in. */
const ownVariables = ['GANTRY_URL', 'GANTRY_TOKEN', 'GANTRY_ADMIN_TOKEN', 'GANTRY_HOST', 'GANTRY_PORT', 'GANTRY_DATA_DIR', 'GANTRY_LOG_LEVEL', 'DATABASE_URL'];

export function childEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of ownVariables) delete env[name];
  for (const [key, value] of Object.entries(extra)) if (value !== undefined) env[key] = value;
  return env;
}

/** Runs `gantry ARGS…` to completion. */
export function gantry(args: string[], options: RunOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliMain, ...args], {
      env: childEnv({ GANTRY_URL: options.url, GANTRY_TOKEN: options.token ?? undefined, ...options.env }),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk; });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk; });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ stdout, stderr, code, signal });
    });
    child.stdin.end(options.input ?? '');
  });
}

export interface ServeProcess {
  url: string;
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Sends a signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  exited: Promise<number | null>;
}

/**
 * Starts `gantry serve ARGS…` and resolves once it prints "Gantry listening on URL"; rejects with
 * its output if it exits first.
 */
export function serve(args: string[], env: Record<string, string | undefined> = {}, timeoutMs = 90_000): Promise<ServeProcess> {
  const child = spawn(process.execPath, [cliMain, 'serve', ...args], { env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`gantry serve did not start within ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      const match = /^Gantry listening on (\S+)$/m.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve({
          url: match[1]!, child, exited,
          stdout: () => stdout,
          stderr: () => stderr,
          async stop(signal = 'SIGTERM') {
            if (child.exitCode === null && child.signalCode === null) child.kill(signal);
            const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
            const code = await exited;
            clearTimeout(killer);
            return code;
          },
        });
      }
    });
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk; });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`gantry serve exited with ${code} before listening\n${stdout}\n${stderr}`));
    });
  });
}

export async function tempDir(prefix = 'gantry-cli-'): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/** A fresh database in an external PostgreSQL, given a superuser URL. */
export async function externalDatabase(adminUrl: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `gantry_cli_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

/** A digest that looks real: the sha256 of a seed. */
export function digestOf(seed: string): string {
  return `sha256:${createHash('sha256').update(seed).digest('hex')}`;
}
