import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { childEnv, cliMain, gantry, tempDir } from './harness.js';

/**
 * `gantry agent`: usage errors exit 2; it runs until SIGTERM (exit 0) and exits 1 when its token is
 * refused. The agent itself is tested in packages/agent; end-to-end runs against `gantry serve`
 * belong with the server's agents API.
 */
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function stateDir(): Promise<string> {
  const dir = await tempDir('gantry-cli-agent-');
  cleanups.push(dir.remove);
  return dir.path;
}

/** A minimal agents API: registration, an empty desired state, reports and logs; `refuse` answers 401 to everything. */
async function agentsApi(token: string, { refuse = false } = {}): Promise<{ url: string; registrations: unknown[] }> {
  const registrations: unknown[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      if (refuse || req.headers.authorization !== `Bearer ${token}`) {
        res.writeHead(401, { 'content-type': 'application/problem+json' }).end(JSON.stringify({ status: 401, code: 'unauthorized', detail: 'the token is not valid' }));
        return;
      }
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      if (req.method === 'POST' && path === '/api/v1/agents') {
        registrations.push(JSON.parse(body));
        res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ id: '6f9c3a52-1c1e-4a0e-9a43-6c1d1d7e3b11', name: 'host-1', environment: 'staging' }));
      } else if (path.endsWith('/desired')) {
        if (req.headers['if-none-match'] === '"1"') setTimeout(() => res.writeHead(304).end(), 300);
        else res.writeHead(200, { 'content-type': 'application/json', etag: '"1"' }).end(JSON.stringify({ revision: 1, services: [] }));
      } else {
        res.writeHead(path.endsWith('/logs') ? 202 : 204).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise((resolve) => { server.close(() => resolve()); server.closeAllConnections(); }));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, registrations };
}

describe('gantry agent', () => {
  it.each([
    [['--token', 't'], /required option '--name <name>' not specified/],
    [['--name', 'Host_1', '--token', 't'], /option '--name <name>' argument 'Host_1' is invalid/],
    [['--name', 'host-1'], /error: an agent token is required: pass --token or set GANTRY_TOKEN/],
    [['--name', 'host-1', '--token', 't', '--server', 'not a url'], /error: --server must be a URL; got "not a url"/],
    [['--name', 'host-1', '--token', 't', '--server', 'ftp://gantry.example.com'], /error: --server must start with http:\/\/ or https:\/\//],
    [['--name', 'host-1', '--token', 't', '--host', 'bad host!'], /error: --host must be a hostname or IP address/],
    [['--name', 'host-1', '--token', 't', '--env', 'Prod'], /option '--env <env>' argument 'Prod' is invalid/],
  ])('exits 2 on a usage error: %j', async (args, message) => {
    const r = await gantry(['agent', ...args, '--state-dir', await stateDir()], { token: null });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
  });

  it('connects, prints one line, and stops cleanly on SIGTERM with exit 0', async () => {
    const api = await agentsApi('gnt_agent_cli_test_token');
    const dir = await stateDir();
    const child = spawn(process.execPath, [cliMain, 'agent', '--server', api.url, '--name', 'host-1', '--env', 'staging', '--state-dir', dir], {
      env: childEnv({ GANTRY_TOKEN: 'gnt_agent_cli_test_token' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const deadline = Date.now() + 20_000;
    while (!stdout.includes('\n') && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 50));
    expect(stdout, stderr).toBe(`Gantry agent host-1 connected to ${api.url}\n`);
    expect(api.registrations).toEqual([{ name: 'host-1', hostname: expect.any(String), version: expect.any(String) }]);
    await new Promise((r) => setTimeout(r, 300));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stderr).toContain('gantry agent: SIGTERM received; stopping');
    expect(JSON.parse(readFileSync(join(dir, 'agent.json'), 'utf8'))).toMatchObject({ id: '6f9c3a52-1c1e-4a0e-9a43-6c1d1d7e3b11', environment: 'staging' });
    expect(existsSync(join(dir, 'desired.json'))).toBe(true);
  });

  it('exits 1 when the server refuses its token', async () => {
    const api = await agentsApi('gnt_agent_cli_test_token', { refuse: true });
    const r = await gantry(['agent', '--server', api.url, '--name', 'host-1', '--state-dir', await stateDir()], { token: 'gnt_agent_cli_test_token', timeoutMs: 20_000 });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/error: POST \/api\/v1\/agents: 401 the token is not valid \(unauthorized\)/);
    expect(r.stdout).toBe('');
  });

  it('exits 1 when the token belongs to another environment than --env', async () => {
    const api = await agentsApi('gnt_agent_cli_test_token');
    const r = await gantry(['agent', '--server', api.url, '--name', 'host-1', '--env', 'production', '--state-dir', await stateDir()], { token: 'gnt_agent_cli_test_token', timeoutMs: 20_000 });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain('error: the token belongs to environment "staging", not "production" (environment_mismatch)');
  });
});
