import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { childEnv, cliMain, gantry, serve, tempDir } from './harness.js';

/** `gantry serve`: configuration errors are usage errors; signals stop it cleanly, PostgreSQL included. */
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function dataDir(): Promise<string> {
  const dir = await tempDir('gantry-serve-');
  cleanups.push(dir.remove);
  return dir.path;
}

describe('gantry serve', () => {
  it.each([
    [['--port', '99999'], /error: port must be a number from 0 to 65535; got "99999"/],
    [['--port', 'http'], /error: port must be a number/],
    [['--host', 'bad host!'], /error: host must be a hostname or IP address/],
    [['--database-url', 'mysql://localhost/gantry'], /error: the database URL must start with postgres:\/\//],
    [['--log-level', 'loud'], /argument 'loud' is invalid\. Allowed choices are fatal, error, warn, info, debug, trace, silent/],
    [['--ofrep-rate-limit', '-5'], /error: the OFREP rate limit must be a whole number of requests per second \(0 for none\); got "-5"/],
    [['--ofrep-rate-limit', '2.5'], /error: the OFREP rate limit must be a whole number/],
    [['--public-url', 'flags.example.com'], /error: the public URL must be an absolute http\(s\) URL like https:\/\/flags\.example\.com\/gantry; got "flags\.example\.com"/],
    [['--public-url', 'https://flags.example.com/?x=1'], /error: the public URL must be an http\(s\) URL with no query, fragment or credentials/],
  ])('exits 2 on a bad option: %j', async (args, message) => {
    const r = await gantry(['serve', ...args, '--data-dir', await dataDir()]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
  });

  it('exits 2 on a bad value from the environment', async () => {
    const r = await gantry(['serve', '--data-dir', await dataDir()], { env: { GANTRY_ADMIN_TOKEN: 'short' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('GANTRY_ADMIN_TOKEN must be at least 16 characters');
    const limit = await gantry(['serve', '--data-dir', await dataDir()], { env: { GANTRY_OFREP_RATE_LIMIT: 'lots' } });
    expect(limit.code).toBe(2);
    expect(limit.stderr).toContain('the OFREP rate limit must be a whole number of requests per second (0 for none); got "lots"');
  });

  it('prints a generated admin token once, stops on SIGTERM with exit 0, and starts again on the same data', async () => {
    const dir = await dataDir();
    const first = await serve(['--port', '0', '--data-dir', dir, '--log-level', 'warn']);
    const token = /^ {2}GANTRY_TOKEN=(\S+)$/m.exec(first.stdout())?.[1];
    expect(first.stdout()).toContain('First start: generated an admin token. It is shown only this once; store it now:');
    expect(token).toMatch(/^gnt_/);
    expect(first.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const created = await gantry(['service', 'create', 'survivor'], { url: first.url, token: token! });
    expect(created.code, created.stderr).toBe(0);
    expect(existsSync(join(dir, 'pg', 'postmaster.pid'))).toBe(true);

    expect(await first.stop('SIGTERM')).toBe(0);
    expect(first.stderr()).toContain('gantry: SIGTERM received; stopping');
    expect(first.stderr()).toContain('gantry: stopped');
    // PostgreSQL removes its pid file when it has shut down.
    expect(existsSync(join(dir, 'pg', 'postmaster.pid'))).toBe(false);

    const second = await serve(['--port', '0', '--data-dir', dir, '--log-level', 'warn']);
    expect(second.stdout()).not.toContain('GANTRY_TOKEN=');
    const listed = await gantry(['service', 'list', '--json'], { url: second.url, token: token! });
    expect(listed.code, listed.stderr).toBe(0);
    expect(JSON.parse(listed.stdout).items.map((s: { name: string }) => s.name)).toEqual(['survivor']);

    // A second server on a port in use fails to start: exit 1 with the reason, and its PostgreSQL stops.
    const port = new URL(second.url).port;
    const otherDir = await dataDir();
    const clash = await gantry(['serve', '--port', port, '--data-dir', otherDir, '--log-level', 'warn'], { env: { GANTRY_ADMIN_TOKEN: 'gnt_clash_admin_token_0123456789' } });
    expect(clash.code, clash.stderr).toBe(1);
    expect(clash.stderr).toMatch(/error: could not start the server: .*EADDRINUSE/);
    expect(existsSync(join(otherDir, 'pg', 'postmaster.pid'))).toBe(false);

    expect(await second.stop('SIGINT')).toBe(0);
    expect(existsSync(join(dir, 'pg', 'postmaster.pid'))).toBe(false);
  });

  it('prints the URL and token as JSON with --json', async () => {
    const dir = await dataDir();
    const server = await serveJson(dir);
    expect(server.line).toMatchObject({ url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/), generatedAdminToken: expect.stringMatching(/^gnt_/) });
    expect(await server.stop()).toBe(0);
  });
});

/** `serve --json` prints one JSON document instead of the listening line; wait for it. */
async function serveJson(dir: string) {
  const child = spawn(process.execPath, [cliMain, 'serve', '--json', '--port', '0', '--data-dir', dir, '--log-level', 'warn'], { env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const line = await new Promise<Record<string, unknown>>((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      try {
        resolve(JSON.parse(stdout) as Record<string, unknown>);
      } catch {
        // not complete yet
      }
    });
    void exited.then((code) => reject(new Error(`serve --json exited with ${code}`)));
  });
  return { line, stop: async () => { child.kill('SIGTERM'); return exited; } };
}
