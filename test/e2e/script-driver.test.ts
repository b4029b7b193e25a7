import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test-support/gantry-server.js';
import { tempDir, waitFor } from './harness.js';

/** The script driver: the team's own commands per phase, with the artifact's facts in the environment. */
let server: TestServer;
let dir: string;

interface Deployment { id: number; state: string; message: string | null }
const finished = (id: number) => waitFor(`deployment ${id}`, () => server.api<Deployment>('GET', `/api/v1/deployments/${id}`),
  (d) => ['succeeded', 'failed', 'rolled-back'].includes(d.state), 60_000);
const logs = async (id: number) => (await server.api<{ items: { message: string }[] }>('GET', `/api/v1/deployments/${id}/logs`)).items.map((l) => l.message).join('\n');

beforeAll(async () => {
  server = await startTestServer();
  dir = tempDir('gantry-e2e-script-');
  await server.api('POST', '/api/v1/services', { name: 'batch' });
  await server.api('POST', '/api/v1/environments', { name: 'production' });
  for (const v of ['1.0.0', '1.0.1', '1.0.2']) {
    await server.api('POST', '/api/v1/services/batch/artifacts', { version: v, digest: `sha256:${v.replaceAll('.', '').padEnd(64, 'a')}`, commit: `c${v.replaceAll('.', '')}` });
  }
}, 60_000);
afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

const spec = (verify: string, extra: Record<string, unknown> = {}) => ({
  port: 9999, artifact: { url: 'https://artifacts.invalid/{version}.tgz' }, command: 'true',
  scripts: {
    deploy: `echo "deploying $GANTRY_SERVICE $GANTRY_VERSION ($GANTRY_DIGEST, commit $GANTRY_COMMIT) to $GANTRY_ENVIRONMENT" && echo "$GANTRY_VERSION" > ${join(dir, 'deployed')}`,
    verify,
    switch: `echo switched && echo "$GANTRY_VERSION" > ${join(dir, 'live')}`,
    rollback: `echo "rolling back to $GANTRY_PREVIOUS_VERSION" && echo rolled-back > ${join(dir, 'rollback')}`,
    timeoutMs: 3000,
    ...extra,
  },
});

describe('the script driver', () => {
  it('runs deploy, verify and switch with the artifact in the environment, and logs their output', async () => {
    await server.api('PUT', '/api/v1/services/batch/run-spec', spec('echo verified'));
    const d = await server.api<Deployment>('POST', '/api/v1/deployments', { service: 'batch', environment: 'production', version: '1.0.0', driver: 'script' });
    expect((await finished(d.id)).state).toBe('succeeded');
    expect(readFileSync(join(dir, 'live'), 'utf8').trim()).toBe('1.0.0');
    const log = await logs(d.id);
    expect(log).toContain('[deploy] deploying batch 1.0.0 (sha256:100aaa');
    expect(log).toContain('commit c100) to production');
    expect(log).toContain('[verify] verified');
    expect(log).toContain('[switch] switched');
  });

  it('a failing verification runs the rollback script and ends rolled-back', async () => {
    await server.api('PUT', '/api/v1/services/batch/run-spec', spec('echo "smoke test failed" >&2; exit 3'));
    const d = await server.api<Deployment>('POST', '/api/v1/deployments', { service: 'batch', environment: 'production', version: '1.0.1', driver: 'script' });
    const done = await finished(d.id);
    expect(done.state).toBe('rolled-back');
    expect(done.message).toContain('verify script exited with 3');
    await waitFor('the rollback script', async () => existsSync(join(dir, 'rollback')), (x) => x, 10_000);
    expect(readFileSync(join(dir, 'live'), 'utf8').trim()).toBe('1.0.0');
    expect(await logs(d.id)).toContain('[verify] smoke test failed');
  });

  it('a command that hangs is stopped at its time limit', async () => {
    await server.api('PUT', '/api/v1/services/batch/run-spec', spec('sleep 30'));
    const started = Date.now();
    const d = await server.api<Deployment>('POST', '/api/v1/deployments', { service: 'batch', environment: 'production', version: '1.0.2', driver: 'script' });
    const done = await finished(d.id);
    expect(done.state).toBe('rolled-back');
    expect(done.message).toContain('timed out after 3000 ms');
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it('refuses a script deployment when the run specification has no scripts', async () => {
    await server.api('POST', '/api/v1/services', { name: 'noscripts' });
    await server.api('POST', '/api/v1/services/noscripts/artifacts', { version: '1', digest: `sha256:${'b'.repeat(64)}` });
    await expect(server.api('POST', '/api/v1/deployments', { service: 'noscripts', environment: 'production', version: '1', driver: 'script' })).rejects.toThrow(/run_spec_missing/);
  });
});
