import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGantryClient, GantryError } from '../src/index.js';
import type { GantryClient, StatusEvent } from '../src/index.js';
import { closedPort, fast, observingFetch, release, serverWithFeatures, waitFor } from './helpers.js';
import type { TestServer } from './helpers.js';

let server: TestServer;
let token: string;
let unreachable: string;
const directory = mkdtempSync(join(tmpdir(), 'gantry-sdk-init-'));
const clients: GantryClient[] = [];
const track = (client: GantryClient) => (clients.push(client), client);

const snapshotFile = (name: string, on: boolean) => {
  const path = join(directory, name);
  writeFileSync(path, JSON.stringify({
    environment: 'production', revision: 1, segments: {},
    features: {
      'dark-mode': {
        key: 'dark-mode', kind: 'release', type: 'boolean', salt: 's',
        variations: [{ key: 'on', value: true }, { key: 'off', value: false }], on, offVariation: 1, fallthrough: { variation: 0 },
      },
    },
  }));
  return path;
};

beforeAll(async () => {
  ({ server, token } = await serverWithFeatures([{ key: 'dark-mode' }]));
  await release(server, 'dark-mode', { action: 'on' });
  unreachable = `http://127.0.0.1:${await closedPort()}`;
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await server?.close();
  rmSync(directory, { recursive: true, force: true });
});

describe('bounded initialisation', () => {
  it('rejects ready() within the timeout when the server is unreachable, serving defaults meanwhile', async () => {
    const client = track(createGantryClient({ url: unreachable, token: 'whatever', timeoutMs: 800, ...fast }));
    const started = Date.now();
    const error = await client.ready().then(() => undefined, (e: unknown) => e);
    const elapsed = Date.now() - started;
    expect(error).toBeInstanceOf(GantryError);
    expect(error).toMatchObject({ code: 'timeout' });
    expect(elapsed).toBeGreaterThanOrEqual(700);
    expect(elapsed).toBeLessThan(1500);
    expect(client.booleanDetails('dark-mode', { targetingKey: 'u1' }, true)).toMatchObject({ value: true, errorCode: 'PROVIDER_NOT_READY' });
    expect(client.status).toBe('initializing');
  });

  it('rejects at once with an unauthorized error for a bad token, and stops asking', async () => {
    const observed = observingFetch();
    const statuses: StatusEvent[] = [];
    const client = track(createGantryClient({ url: server.url, token: 'gnt_not_a_token', timeoutMs: 5000, fetch: observed.fetch, ...fast }));
    client.on('status', (s) => statuses.push(s));
    const started = Date.now();
    await expect(client.ready()).rejects.toMatchObject({ code: 'unauthorized', status: 401 });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(client.status).toBe('failed');
    expect(statuses.at(-1)).toMatchObject({ status: 'failed', error: { code: 'unauthorized' } });
    const asked = observed.requests.length;
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(observed.requests.length).toBe(asked);
    expect(observed.requests.every((r) => r.status === 401)).toBe(true);
  });

  it('refuses a token of the wrong scope (403) the same way', async () => {
    const client = track(createGantryClient({ url: server.url, token: server.adminToken, timeoutMs: 5000, ...fast }));
    await expect(client.ready()).rejects.toMatchObject({ code: 'unauthorized', status: 403 });
  });

  it('is ready from a bootstrap file at once when the server is unreachable, and catches up when it comes', async () => {
    const client = track(createGantryClient({ url: unreachable, token, timeoutMs: 5000, bootstrap: { file: snapshotFile('offline.json', false) }, ...fast }));
    expect(client.boolean('dark-mode', { targetingKey: 'u1' }, true)).toBe(false);
    const started = Date.now();
    expect(await client.ready()).toEqual({ source: 'bootstrap', revision: 1, environment: 'production' });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(client.status).toBe('stale');
    expect(client.booleanDetails('dark-mode', { targetingKey: 'u1' }, true)).toMatchObject({ value: false, reason: 'DISABLED' });
  });

  it('replaces the bootstrap with the server snapshot, reporting the difference, and persists it', async () => {
    const file = snapshotFile('persisted.json', false);
    const client = track(createGantryClient({ url: server.url, token, bootstrap: { file, persist: true }, ...fast }));
    const changed: string[][] = [];
    client.on('change', ({ keys }) => changed.push([...keys]));
    expect(await client.ready()).toMatchObject({ source: 'server', environment: 'production' });
    expect(client.boolean('dark-mode', { targetingKey: 'u1' }, false)).toBe(true);
    expect(changed).toEqual([['dark-mode']]);
    await waitFor(() => JSON.parse(readFileSync(file, 'utf8')).revision === client.revision, 3000, 'the file to be rewritten');
    await client.close();
    // A new process starts from what the last one persisted, with no server at all.
    const offline = track(createGantryClient({ offline: true, bootstrap: { file }, logger: false }));
    expect(offline.boolean('dark-mode', { targetingKey: 'u1' }, false)).toBe(true);
  });

  it('reports an unreadable bootstrap file as an error and still starts from the server', async () => {
    const garbage = join(directory, 'garbage.json');
    writeFileSync(garbage, '{ not json');
    for (const [file, message] of [[garbage, /is not JSON/], [join(directory, 'missing.json'), /could not read/]] as const) {
      const errors: GantryError[] = [];
      const client = track(createGantryClient({ url: server.url, token, bootstrap: { file }, ...fast }));
      client.on('error', (e) => errors.push(e));
      expect(client.booleanDetails('dark-mode', {}, false).errorCode).toBe('PROVIDER_NOT_READY');
      expect(await client.ready()).toMatchObject({ source: 'server' });
      expect(client.boolean('dark-mode', { targetingKey: 'u1' }, false)).toBe(true);
      expect(errors.map((e) => e.code)).toEqual(['bootstrap']);
      expect(errors[0]?.message).toMatch(message);
    }
  });

  it('refuses options that cannot work, and settles ready() as closed when closed first', async () => {
    expect(() => createGantryClient({ token: 'x' })).toThrow(TypeError);
    expect(() => createGantryClient({ url: 'localhost:4000', token: 'x' })).toThrow(/url/);
    expect(() => createGantryClient({ url: server.url })).toThrow(/token/);
    expect(() => createGantryClient({ url: server.url, token, pollIntervalMs: -1 })).toThrow(/pollIntervalMs/);
    const client = createGantryClient({ url: unreachable, token, ...fast });
    const ready = client.ready();
    await client.close();
    await expect(ready).rejects.toMatchObject({ code: 'closed' });
    expect(client.status).toBe('closed');
  });
});
