import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { digest, freshDatabase } from './test-support/harness.js';
import { spawnServer } from './test-support/server-process.js';

const adminToken = 'gnt_restart_test_admin_token_0001';
const api = (url: string) => async (method: string, path: string, body?: unknown) => {
  const res = await fetch(`${url}/api/v1${path}`, {
    method, headers: { authorization: `Bearer ${adminToken}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: await res.json() as Record<string, unknown> };
};

/** Writes, each acknowledged before the next; returns what must survive. */
async function writeSome(url: string, tag: string): Promise<number> {
  const call = api(url);
  expect((await call('POST', '/services', { name: `svc-${tag}` })).status).toBe(201);
  expect((await call('POST', '/environments', { name: `env-${tag}` })).status).toBe(201);
  expect((await call('POST', `/services/svc-${tag}/artifacts`, { version: '1.0.0', digest: digest(tag), changes: ['kept'] })).status).toBe(201);
  const d = await call('POST', '/deployments', { service: `svc-${tag}`, environment: `env-${tag}`, version: '1.0.0' });
  expect(d.status).toBe(201);
  expect((await call('POST', `/deployments/${d.body.id}/report`, { state: 'succeeded' })).status).toBe(200);
  return d.body.id as number;
}

async function expectSurvived(url: string, tag: string, deploymentId: number): Promise<void> {
  const call = api(url);
  expect((await call('GET', `/services/svc-${tag}`)).status).toBe(200);
  expect((await call('GET', `/services/svc-${tag}/artifacts/1.0.0`)).body.changes).toEqual(['kept']);
  expect((await call('GET', `/deployments/${deploymentId}`)).body.state).toBe('succeeded');
  const audit = await call('GET', `/audit?resourceType=deployment&resourceId=${deploymentId}`);
  expect((audit.body.items as unknown[]).length).toBe(2);
}

describe('restart persistence on the embedded PostgreSQL', () => {
  let dir: string;
  let gracefulId = 0;
  beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), 'gantry-restart-')); });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('keeps data over a graceful stop, which also stops PostgreSQL', async () => {
    const first = await spawnServer({ dataDir: dir, adminToken });
    const id = await writeSome(first.url, 'graceful');
    gracefulId = id;
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(existsSync(join(dir, 'pg', 'postmaster.pid'))).toBe(false);
    const second = await spawnServer({ dataDir: dir, adminToken });
    await expectSurvived(second.url, 'graceful', id);
    second.child.kill('SIGTERM');
    await second.exited;
  });

  it('keeps every acknowledged write when the server is killed with SIGKILL right after it', async () => {
    const first = await spawnServer({ dataDir: dir, adminToken });
    const id = await writeSome(first.url, 'killed');
    first.child.kill('SIGKILL');
    expect(await first.exited).toBe('SIGKILL');
    // The orphaned PostgreSQL still holds the directory; the next start must take it over.
    const second = await spawnServer({ dataDir: dir, adminToken });
    await expectSurvived(second.url, 'killed', id);
    await expectSurvived(second.url, 'graceful', gracefulId);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  });
});

describe('restart persistence on an external PostgreSQL (DATABASE_URL)', () => {
  it('keeps every acknowledged write over a SIGKILL', async () => {
    const { url, drop } = await freshDatabase();
    try {
      const first = await spawnServer({ databaseUrl: url, adminToken });
      const id = await writeSome(first.url, 'external');
      first.child.kill('SIGKILL');
      await first.exited;
      const second = await spawnServer({ databaseUrl: url, adminToken });
      await expectSurvived(second.url, 'external', id);
      second.child.kill('SIGTERM');
      expect(await second.exited).toBe(0);
    } finally {
      await drop();
    }
  });
});
