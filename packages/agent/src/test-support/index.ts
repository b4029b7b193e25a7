import { spawn, type ChildProcess } from 'node:child_process';
import { request, type Agent, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { isProcessAlive } from '../supervisor/process.js';

export const TEST_SERVICE = fileURLToPath(new URL('../../test-fixtures/test-service.mjs', import.meta.url));

/** Poll `check` until it returns a truthy value; generous by default for loaded 2-core machines. */
export async function waitFor<T>(check: () => T | Promise<T>, { timeoutMs = 15_000, intervalMs = 25, what = 'condition' } = {}): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      srv.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export interface RunningService {
  version: string;
  port: number;
  upstream: string;
  child: ChildProcess;
  output: string[];
  stop(): Promise<void>;
}

/** Run the test service as one version on a free port; resolves once it listens. */
export async function startService(version: string, env: Record<string, string> = {}): Promise<RunningService> {
  const port = await freePort();
  const child = spawn(process.execPath, [TEST_SERVICE], {
    env: { PATH: process.env.PATH ?? '', PORT: String(port), VERSION: version, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stdout?.setEncoding('utf8').on('data', (d: string) => output.push(d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => output.push(d));
  await waitFor(() => output.join('').includes('listening on') || child.exitCode !== null, { what: `service ${version} to listen` });
  if (child.exitCode !== null) throw new Error(`service ${version} exited: ${output.join('')}`);
  return {
    version,
    port,
    upstream: `127.0.0.1:${port}`,
    child,
    output,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      }),
  };
}

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One HTTP request with full control over headers; the body is read to the end. */
export function httpRequest(
  port: number,
  path = '/',
  { method = 'GET', headers = {}, body, agent }: { method?: string; headers?: OutgoingHttpHeaders; body?: string | Buffer; agent?: Agent | false } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers, agent: agent ?? false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Whether a process is gone (a zombie nobody reaped counts as gone). */
export function isGone(pid: number): boolean {
  return !isProcessAlive(pid);
}
