import { createServer } from 'node:net';
import { startTestServer } from '../../../test-support/gantry-server.js';
import type { TestServer } from '../../../test-support/gantry-server.js';

export type { TestServer };

/** Polls `check` until it returns a truthy value (which is returned), or fails after `timeoutMs`. */
export async function waitFor<T>(check: () => T | Promise<T>, timeoutMs = 5000, what = 'condition'): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A port that nothing listens on. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A real Gantry server with a `production` environment, an SDK token and some features. */
export async function serverWithFeatures(features: { key: string; type?: string; variations?: unknown[] }[] = [{ key: 'dark-mode' }]) {
  const server = await startTestServer({ heartbeatMs: 200 });
  await server.api('POST', '/api/v1/environments', { name: 'production' });
  for (const feature of features) await server.api('POST', '/api/v1/features', feature);
  const token = await server.token('sdk-server:production');
  return { server, token };
}

export const release = (server: TestServer, key: string, body: Record<string, unknown>) =>
  server.api('POST', `/api/v1/features/${key}/environments/production/releases`, body);

/** Options every test client shares: fast heartbeats and reconnects, no console output. */
export const fast = { heartbeatIntervalMs: 200, reconnect: { initialDelayMs: 50, maxDelayMs: 300 }, logger: false } as const;

/** A fetch that passes everything to the real server and records what went by. */
export function observingFetch() {
  const requests: { method: string; path: string; status?: number; body?: unknown }[] = [];
  const observed: typeof fetch = async (input, init) => {
    const url = new URL(String(input));
    const entry: (typeof requests)[number] = { method: init?.method ?? 'GET', path: url.pathname };
    if (typeof init?.body === 'string') entry.body = JSON.parse(init.body);
    requests.push(entry);
    const response = await fetch(input, init);
    entry.status = response.status;
    return response;
  };
  return { fetch: observed, requests };
}
