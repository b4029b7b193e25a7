import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { buildApp } from '../packages/server/src/app.js';
import { freshDatabase } from '../packages/server/src/test-support/harness.js';

/**
 * A real Gantry server on 127.0.0.1 for tests of other packages (SDKs, CLI helpers): its own fresh
 * database, an admin token, and stop/start on the same port to simulate outages and restarts.
 */
export interface TestServer {
  url: string;
  adminToken: string;
  /** Calls the API as admin; throws on a non-2xx answer. */
  api<T = unknown>(method: string, path: string, body?: unknown): Promise<T>;
  token(scope: string): Promise<string>;
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

export async function startTestServer(options: { heartbeatMs?: number } = {}): Promise<TestServer> {
  const database = await freshDatabase();
  const adminToken = `gnt_test_${randomBytes(16).toString('hex')}`;
  let port = 0;
  let current: Awaited<ReturnType<typeof buildApp>> | undefined;
  let seeded = false;

  async function start(): Promise<void> {
    const built = await buildApp({ db: database.db, databaseUrl: database.url, timings: { schedulerMs: 200, ...(options.heartbeatMs ? { heartbeatMs: options.heartbeatMs } : {}) } });
    if (!seeded) {
      await built.auth.seedAdmin(adminToken);
      seeded = true;
    }
    await built.app.listen({ host: '127.0.0.1', port });
    port = (built.app.server.address() as AddressInfo).port;
    current = built;
  }
  async function stop(): Promise<void> {
    // Streams never end by themselves: close them so the port frees at once.
    await current?.app.close();
    current = undefined;
  }
  await start();
  const url = `http://127.0.0.1:${port}`;
  const api = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${url}${path}`, {
      method, headers: { authorization: `Bearer ${adminToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  };
  return {
    url, adminToken, api, start, stop,
    async token(scope) {
      return (await api<{ secret: string }>('POST', '/api/v1/tokens', { name: `${scope.replace(':', '-')}-${randomBytes(3).toString('hex')}`, scope })).secret;
    },
    async close() {
      await stop();
      await database.drop();
    },
  };
}
