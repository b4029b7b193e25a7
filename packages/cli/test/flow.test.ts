import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { digestOf, externalDatabase, gantry, serve, tempDir, type CliResult, type ServeProcess } from './harness.js';

/**
 * The headline flow of the backbone, driven only through the built `gantry` binary, on the
 * embedded PostgreSQL and on an external PostgreSQL 15 (CI sets GANTRY_TEST_PG15_URL).
 */
const pg15Url = process.env.GANTRY_TEST_PG15_URL;
const inCi = Boolean(process.env.CI);
const adminToken = 'gnt_flow_admin_token_0123456789';

interface Backend {
  name: string;
  skip: boolean;
  start(dataDir: string): Promise<{ server: ServeProcess; cleanup: () => Promise<void> }>;
}

const backends: Backend[] = [
  {
    name: 'embedded PostgreSQL',
    skip: false,
    async start(dataDir) {
      const server = await serve(['--port', '0', '--data-dir', dataDir, '--log-level', 'warn'], { GANTRY_ADMIN_TOKEN: adminToken });
      return { server, cleanup: async () => {} };
    },
  },
  {
    name: 'external PostgreSQL 15',
    // Locally without the variable this is skipped; in CI it must run, so it fails instead.
    skip: !pg15Url && !inCi,
    async start(dataDir) {
      if (!pg15Url) throw new Error('GANTRY_TEST_PG15_URL must be set in CI: the flow has to pass on PostgreSQL 15 too');
      const db = await externalDatabase(pg15Url);
      const server = await serve(['--port', '0', '--data-dir', dataDir, '--database-url', db.url, '--log-level', 'warn'], { GANTRY_ADMIN_TOKEN: adminToken });
      return { server, cleanup: db.drop };
    },
  },
];

describe.each(backends)('the CLI flow on $name', (backend) => {
  let server: ServeProcess;
  let cleanup = async () => {};
  let removeDir = async () => {};
  let ciToken = '';
  let releaseManager = '';
  const ids: Record<string, number> = {};

  const run = (args: string[], token: string | null = adminToken, input?: string) =>
    gantry(args, { url: server.url, token, ...(input !== undefined ? { input } : {}) });
  const explain = (r: CliResult) => `exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;
  async function ok(args: string[], token?: string | null): Promise<CliResult> {
    const r = await run(args, token);
    expect(r.code, explain(r)).toBe(0);
    return r;
  }
  async function fails(args: string[], code: string, token?: string | null): Promise<CliResult> {
    const r = await run(args, token);
    expect(r.code, explain(r)).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^error: .+ \\(${code}\\)$`, 'm'));
    return r;
  }
  /** Every verb's --json prints the API's JSON and nothing else. */
  async function json<T = Record<string, unknown>>(args: string[], token?: string | null): Promise<T> {
    const r = await ok([...args, '--json'], token);
    return JSON.parse(r.stdout) as T;
  }
  /** `id=$(gantry deploy …)`: the id is the only thing on stdout. */
  async function deploy(args: string[], token: string = ciToken): Promise<number> {
    const r = await ok(['deploy', ...args], token);
    expect(r.stdout).toMatch(/^\d+\n$/);
    return Number(r.stdout.trim());
  }
  async function report(id: number, state: string, message?: string) {
    const r = await ok(['deployment', 'report', String(id), '--state', state, ...(message ? ['--message', message] : [])], ciToken);
    expect(r.stdout).toContain(`is now ${state}`);
  }

  beforeAll(async () => {
    if (backend.skip) return;
    const dir = await tempDir();
    removeDir = dir.remove;
    const started = await backend.start(dir.path);
    server = started.server;
    cleanup = started.cleanup;
  });

  afterAll(async () => {
    if (server) expect(await server.stop()).toBe(0);
    await cleanup();
    await removeDir();
  });

  it.skipIf(backend.skip)('creates services and the promotion path', async () => {
    expect((await ok(['service', 'create', 'checkout-api', '--description', 'Checkout API'])).stdout).toContain('Created service checkout-api');
    await ok(['service', 'create', 'web']);
    const services = await json<{ items: { name: string; description: string }[] }>(['service', 'list']);
    expect(services.items.map((s) => [s.name, s.description])).toEqual([['checkout-api', 'Checkout API'], ['web', '']]);

    await ok(['env', 'create', 'development']);
    await ok(['env', 'create', 'staging']);
    const prod = await ok(['env', 'create', 'production', '--protected', '--require-label', 'stable', '--require-previous-success']);
    expect(prod.stdout).toContain('protected');
    expect(prod.stdout).toContain('label "stable", success in staging');
    const test = await json<{ position: number; previous: string }>(['env', 'create', 'test', '--after', 'development']);
    expect(test).toMatchObject({ position: 2, previous: 'development' });
    expect((await ok(['env', 'update', 'test', '--protected', '--require-label', 'candidate'])).stdout).toContain('protected (deployments need approval); policy: label "candidate"');
    expect(await json(['env', 'update', 'test', '--no-protected', '--no-require-label'])).toMatchObject({ protected: false, policy: { requiredLabel: null } });

    const list = await ok(['env', 'list']);
    const rows = list.stdout.trim().split('\n');
    expect(rows[0]).toMatch(/^#\s+ENVIRONMENT\s+PROTECTED\s+FROZEN\s+POLICY$/);
    expect(rows.slice(1).map((r) => r.split(/\s+/)[1])).toEqual(['development', 'test', 'staging', 'production']);
    expect(rows[4]).toMatch(/^4\s+production\s+yes\s+no\s+label "stable", success in staging$/);
    const envs = await json<{ items: { name: string; protected: boolean; policy: unknown }[] }>(['env', 'list']);
    expect(envs.items[3]).toMatchObject({ name: 'production', protected: true, policy: { requiredLabel: 'stable', requirePreviousSuccess: true } });
  });

  it.skipIf(backend.skip)('creates a CI token and registers the artifacts of one build, idempotently', async () => {
    const created = await ok(['token', 'create', '--scope', 'ci', '--name', 'ci-main']);
    ciToken = created.stdout.trim();
    expect(ciToken).toMatch(/^\S{20,}$/);
    expect(created.stderr).toContain('shown only this once');

    const first = await ok(['artifact', 'register', 'checkout-api', '1.4.2', '--digest', digestOf('checkout 1.4.2'), '--commit', '9f1c2e7',
      '--repository', 'https://git.example.com/acme/checkout', '--build-id', 'build-100', '--build-url', 'https://ci.example.com/builds/100',
      '--change', 'Pay with vouchers', '--change', 'Fix rounding of totals', '--metadata', 'team=payments'], ciToken);
    expect(first.stdout).toMatch(/^Registered checkout-api@1\.4\.2 \(sha256:[0-9a-f]{12}…\)\.$/m);
    await ok(['artifact', 'register', 'web', '3.0.0', '--digest', digestOf('web 3.0.0'), '--commit', '9f1c2e7',
      '--repository', 'https://git.example.com/acme/web', '--build-id', 'build-100', '--change', 'New header'], ciToken);

    const again = await ok(['artifact', 'register', 'checkout-api', '1.4.2', '--digest', digestOf('checkout 1.4.2'), '--build-id', 'build-100'], ciToken);
    expect(again.stdout).toContain('already registered');
    const conflict = await fails(['artifact', 'register', 'checkout-api', '1.4.2', '--digest', digestOf('something else')], 'artifact_digest_conflict', ciToken);
    expect(conflict.stderr).toContain('immutable');

    const build = await ok(['build', 'show', 'build-100']);
    expect(build.stdout).toContain('https://ci.example.com/builds/100');
    for (const expected of ['checkout-api', '1.4.2', 'web', '3.0.0', digestOf('checkout 1.4.2'), digestOf('web 3.0.0'), '9f1c2e7', 'https://git.example.com/acme/checkout', 'https://git.example.com/acme/web']) {
      expect(build.stdout).toContain(expected);
    }
    const buildJson = await json<{ artifacts: { service: string }[] }>(['build', 'show', 'build-100']);
    expect(buildJson.artifacts.map((a) => a.service).sort()).toEqual(['checkout-api', 'web']);

    const shown = await json<{ changes: string[]; metadata: unknown; provenance: unknown }>(['artifact', 'show', 'checkout-api', '1.4.2']);
    expect(shown.changes).toEqual(['Pay with vouchers', 'Fix rounding of totals']);
    expect(shown.metadata).toEqual({ team: 'payments' });
    expect(shown.provenance).toMatchObject({ commit: '9f1c2e7', buildId: 'build-100' });
  });

  it.skipIf(backend.skip)('labels artifacts to record promotion', async () => {
    await ok(['artifact', 'label', 'checkout-api', '1.4.2', 'candidate'], ciToken);
    const stable = await ok(['artifact', 'label', 'checkout-api', '1.4.2', 'stable'], ciToken);
    expect(stable.stdout).toContain('labels now: candidate, stable');
    const removed = await ok(['artifact', 'label', 'checkout-api', '1.4.2', 'candidate', '--remove'], ciToken);
    expect(removed.stdout).toContain('labels now: stable');
    const list = await ok(['artifact', 'list', 'checkout-api', '--label', 'stable']);
    expect(list.stdout).toMatch(/^1\.4\.2\s+sha256:\S+\s+stable\s+https:\/\/git\.example\.com\/acme\/checkout @ 9f1c2e7\s+build-100/m);
    expect((await json<{ items: unknown[] }>(['artifact', 'list', 'web', '--label', 'stable'])).items).toEqual([]);
  });

  it.skipIf(backend.skip)('deploys the way CI does: capture the id, report progress, append logs', async () => {
    for (const env of ['development', 'test', 'staging']) {
      const id = await deploy(['checkout-api', '1.4.2', '--to', env, '--reason', 'CI run 100']);
      await report(id, 'running', 'rolling out');
      await ok(['deployment', 'log', String(id), 'pulled image', 'started 3 pods'], ciToken);
      const piped = await run(['deployment', 'log', String(id), '-', '--level', 'warn'], ciToken, 'slow readiness probe\n\nready\n');
      expect(piped.code, explain(piped)).toBe(0);
      expect(piped.stderr).toContain('Appended 2 lines');
      await report(id, 'succeeded');
      ids[`checkout-api 1.4.2 ${env}`] = id;
    }
    const id = ids['checkout-api 1.4.2 staging']!;
    const shown = await ok(['deployment', 'show', String(id)]);
    expect(shown.stdout).toMatch(/^state\s+succeeded$/m);
    expect(shown.stdout).toMatch(/^reason\s+CI run 100$/m);
    const logs = await ok(['deployment', 'logs', String(id)]);
    expect(logs.stdout).toMatch(/info\s+pulled image\n.*info\s+started 3 pods\n.*warn\s+slow readiness probe\n.*warn\s+ready/);
    expect(logs.stdout).toContain('running → succeeded');
    const followed = await ok(['deployment', 'logs', String(id), '--follow']);
    expect(followed.stdout).toBe(logs.stdout);
    expect((await json<{ items: unknown[] }>(['deployment', 'logs', String(id)])).items.length).toBeGreaterThan(5);
    const listed = await json<{ items: { id: number; state: string }[] }>(['deployment', 'list', '--service', 'checkout-api', '--env', 'staging', '--state', 'succeeded']);
    expect(listed.items.map((d) => d.id)).toEqual([id]);
  });

  it.skipIf(backend.skip)('waits for a deployment with --wait: exit 0 on success, 1 on failure', async () => {
    await ok(['artifact', 'register', 'checkout-api', '1.4.3', '--digest', digestOf('checkout 1.4.3'), '--commit', 'a77d01b', '--build-id', 'build-101',
      '--change', 'Faster checkout', '--change', 'Remove legacy coupons'], ciToken);

    const waiting = run(['deploy', 'checkout-api', '1.4.3', '--to', 'development', '--wait', '--timeout', '60'], ciToken);
    const id = await latestDeploymentId('development');
    const following = run(['deployment', 'logs', String(id), '--follow']);
    await report(id, 'running');
    await ok(['deployment', 'log', String(id), 'migrations applied'], ciToken);
    await report(id, 'succeeded');
    const done = await waiting;
    const followed = await following;
    expect(followed.code, explain(followed)).toBe(0);
    expect(followed.stdout).toMatch(/approved → running by token:ci-main\n.*migrations applied\n.*running → succeeded by token:ci-main\n$/);
    expect(followed.stderr).toBe(`deployment ${id} succeeded\n`);
    expect(done.code, explain(done)).toBe(0);
    expect(done.stdout).toBe(`${id}\n`);
    // Without a terminal, one line per state change and per log line (CI logs); polling may see "running" or skip it.
    expect(done.stderr).toMatch(new RegExp(`^deployment ${id} \\(checkout-api@1\\.4\\.3 → development\\): approved\n(  .*\n|.*: running\n)*deployment ${id} .*: succeeded$`, 'm'));
    expect(done.stderr).toMatch(/^ {2}approved → running by token:ci-main\n(.*\n)* {2}migrations applied\n(.*\n)* {2}running → succeeded by token:ci-main$/m);

    const failing = run(['deploy', 'checkout-api', '1.4.3', '--to', 'test', '--wait', '--json'], ciToken);
    const failedId = await latestDeploymentId('test');
    await report(failedId, 'failed', 'health check failed');
    const failed = await failing;
    expect(failed.code, explain(failed)).toBe(1);
    expect(failed.stderr).toContain(`error: deployment ${failedId} failed: health check failed`);
    expect(JSON.parse(failed.stdout)).toMatchObject({ id: failedId, state: 'failed' });
  });

  async function latestDeploymentId(env: string): Promise<number> {
    for (let i = 0; i < 100; i++) {
      const page = await json<{ items: { id: number; state: string }[] }>(['deployment', 'list', '--service', 'checkout-api', '--env', env, '--limit', '1']);
      const d = page.items[0];
      if (d && d.state === 'approved') return d.id;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`no new deployment to ${env}`);
  }

  it.skipIf(backend.skip)('refuses a deployment the promotion policy forbids, naming the rule', async () => {
    const unlabelled = await fails(['deploy', 'web', '3.0.0', '--to', 'production'], 'policy_violation', ciToken);
    expect(unlabelled.stderr).toContain('requires the label "stable"');
    await ok(['artifact', 'label', 'web', '3.0.0', 'stable'], ciToken);
    const untested = await fails(['deploy', 'web', '3.0.0', '--to', 'production'], 'policy_violation', ciToken);
    expect(untested.stderr).toContain('requires a successful deployment of web@3.0.0 in "staging"');
  });

  it.skipIf(backend.skip)('holds a production deployment for approval by someone other than its requester', async () => {
    const rejectedId = await deploy(['checkout-api', '1.4.2', '--to', 'production'], adminToken);
    expect((await ok(['deployment', 'reject', String(rejectedId), '--comment', 'not during the sale'])).stdout).toContain('it is now failed');
    expect(await json(['deployment', 'show', String(rejectedId)])).toMatchObject({ state: 'failed', message: 'rejected: not during the sale' });

    const r = await ok(['deploy', 'checkout-api', '1.4.2', '--to', 'production', '--reason', 'weekly release']);
    const id = Number(r.stdout.trim());
    expect(r.stderr).toContain(`awaiting approval in protected environment production: gantry deployment approve ${id}`);
    ids.production = id;
    await fails(['deployment', 'report', String(id), '--state', 'running'], 'approval_required', ciToken);
    await fails(['deployment', 'approve', String(id)], 'self_approval');
    await fails(['deployment', 'approve', String(id)], 'forbidden', ciToken);

    releaseManager = (await ok(['token', 'create', '--scope', 'admin', '--name', 'release-manager', '--expires', '30d'])).stdout.trim();
    const approved = await ok(['deployment', 'approve', String(id), '--comment', 'go for launch'], releaseManager);
    expect(approved.stdout).toContain(`Approved deployment ${id}`);
    await report(id, 'running');
    await report(id, 'succeeded');
    expect(await json(['deployment', 'show', String(id)])).toMatchObject({ state: 'succeeded', approvedBy: 'token:release-manager', requestedBy: 'token:first-admin' });
  });

  it.skipIf(backend.skip)('respects a freeze unless overridden with a reason, which is audited', async () => {
    const frozen = await ok(['env', 'freeze', 'staging', '--until', '2h', '--reason', 'release week']);
    expect(frozen.stdout).toMatch(/Froze staging until \S+ \(in (1|2)h\): release week/);
    expect((await ok(['env', 'list'])).stdout).toMatch(/^3\s+staging\s+no\s+until \S+ \(in \dh\): release week/m);
    const refused = await fails(['deploy', 'checkout-api', '1.4.3', '--to', 'staging'], 'environment_frozen', ciToken);
    expect(refused.stderr).toContain('--override-freeze REASON');

    const id = await deploy(['checkout-api', '1.4.3', '--to', 'staging', '--override-freeze', 'hotfix for checkout']);
    ids.override = id;
    const audit = await ok(['audit', '--resource-type', 'deployment', '--resource-id', String(id)]);
    expect(audit.stdout).toMatch(new RegExp(`^#\\d+ .+ token:ci-main\\s+deployment\\.created\\s+deployment/${id}$`, 'm'));
    expect(audit.stdout).toContain('+ overrideReason: "hotfix for checkout"');
    const envAudit = await ok(['audit', '--resource-type', 'environment', '--resource-id', 'staging', '--action', 'environment.frozen']);
    expect(envAudit.stdout).toMatch(/freeze: none → \{"until":"[^"]+","reason":"release week"\}/);
  });

  it.skipIf(backend.skip)('refuses a second active deployment, naming the active one, and queues with --queue', async () => {
    const active = ids.override!;
    const busy = await fails(['deploy', 'checkout-api', '1.4.3', '--to', 'staging', '--override-freeze', 'again'], 'deployment_in_progress', ciToken);
    expect(busy.stderr).toContain(`deployment ${active} (checkout-api@1.4.3 → staging, approved) is active`);
    expect(busy.stderr).toContain('hint: add --queue');
    const queued = await deploy(['checkout-api', '1.4.3', '--to', 'staging', '--override-freeze', 'again', '--queue']);
    expect(await json(['deployment', 'show', String(queued)])).toMatchObject({ state: 'queued' });
    await report(active, 'succeeded');
    expect(await json(['deployment', 'show', String(queued)])).toMatchObject({ state: 'approved' });
    await report(queued, 'succeeded');
    expect((await ok(['env', 'unfreeze', 'staging'])).stdout).toContain('Unfroze staging');
  });

  it.skipIf(backend.skip)('rolls back to the previous successful version and names it', async () => {
    const r = await ok(['rollback', 'checkout-api', '--env', 'staging', '--reason', 'error rate up'], ciToken);
    const id = Number(r.stdout.trim());
    expect(r.stdout).toBe(`${id}\n`);
    expect(r.stderr).toMatch(new RegExp(`Rolling back checkout-api in staging from 1\\.4\\.3 \\(deployment \\d+\\) to 1\\.4\\.2: deployment ${id}`));
    await report(id, 'succeeded');
    expect(await json(['deployment', 'show', String(id)])).toMatchObject({ kind: 'rollback', version: '1.4.2', reason: 'error rate up' });
  });

  it.skipIf(backend.skip)('shows the matrix: versions, states, and how far behind', async () => {
    const matrix = await ok(['matrix']);
    const lines = matrix.stdout.split('\n');
    expect(lines[0]).toMatch(/^SERVICE\s+development\s+test\s+staging\s+production$/);
    const cell = (line: number, env: string) => {
      const start = lines[0]!.indexOf(env);
      const next = ['development', 'test', 'staging', 'production'].map((e) => lines[0]!.indexOf(e)).filter((i) => i > start).sort((a, b) => a - b)[0];
      return (lines[line] ?? '').slice(start, next).trim();
    };
    expect(lines[1]).toMatch(/^checkout-api\s/);
    expect(cell(1, 'development')).toBe('1.4.3');
    expect(cell(1, 'test')).toBe('1.4.2 (1 behind)');
    expect(cell(1, 'staging')).toBe('1.4.2');
    expect(cell(1, 'production')).toBe('1.4.2');
    expect(cell(2, 'test')).toMatch(/^\S+ ago by token:ci-main$|^just now by token:ci-main$/);
    expect(cell(3, 'test')).toMatch(/^→ 1\.4\.3 failed \(#\d+, /);
    expect(matrix.stdout).toMatch(/^web\s+—\s+—\s+—\s+—$/m);
    const data = await json<{ environments: string[]; services: { service: string; cells: { environment: string; current: { version: string } | null; behindPrevious: number | null }[] }[] }>(['matrix']);
    expect(data.environments).toEqual(['development', 'test', 'staging', 'production']);
    expect(data.services[0]!.cells.map((c) => [c.environment, c.current?.version, c.behindPrevious])).toEqual([
      ['development', '1.4.3', null], ['test', '1.4.2', 1], ['staging', '1.4.2', 0], ['production', '1.4.2', 0],
    ]);
  });

  it.skipIf(backend.skip)('prints release notes as Markdown, and as JSON', async () => {
    const notes = await ok(['notes', 'checkout-api', '--from', '1.4.2', '--to', '1.4.3']);
    expect(notes.stdout).toMatch(/^# checkout-api: 1\.4\.2 → 1\.4\.3\n\n## 1\.4\.3 \(a77d01b\) — \d{4}-\d\d-\d\d\n\n- Faster checkout\n- Remove legacy coupons\n$/);
    const all = await ok(['notes', 'checkout-api']);
    expect(all.stdout).toContain('- Pay with vouchers');
    expect(all.stdout.indexOf('## 1.4.3')).toBeLessThan(all.stdout.indexOf('## 1.4.2'));
    const data = await json<{ from: string; to: string; versions: { version: string; changes: string[] }[]; markdown: string }>(['notes', 'checkout-api', '--from', '1.4.2']);
    expect(data).toMatchObject({ from: '1.4.2', to: '1.4.3', versions: [{ version: '1.4.3', changes: ['Faster checkout', 'Remove legacy coupons'] }] });
    expect(data.markdown).toBe(notes.stdout);
  });

  it.skipIf(backend.skip)('filters the audit trail by resource, with before and after', async () => {
    const audit = await ok(['audit', '--resource-type', 'deployment', '--resource-id', String(ids.production)]);
    expect(audit.stdout).toMatch(/token:release-manager\s+deployment\.approved/);
    expect(audit.stdout).toContain('state: "pending" → "approved"');
    expect(audit.stdout).toContain('approvedBy: none → "token:release-manager"');
    const events = await json<{ items: { action: string; resourceId: string; before: unknown; after: unknown }[] }>(['audit', '--resource-type', 'deployment', '--resource-id', String(ids.production), '--since', '1h']);
    expect(events.items.map((e) => e.action)).toEqual(['deployment.succeeded', 'deployment.running', 'deployment.approved', 'deployment.created']);
    expect(events.items.every((e) => e.resourceId === String(ids.production))).toBe(true);
    expect(events.items[2]).toMatchObject({ before: { state: 'pending' }, after: { state: 'approved' } });
    const byActor = await json<{ items: { actor: string; action: string }[] }>(['audit', '--actor', 'token:release-manager']);
    expect(byActor.items.map((e) => `${e.actor} ${e.action}`)).toEqual(['token:release-manager deployment.approved']);
    const limited = await json<{ items: unknown[]; nextCursor: string | null }>(['audit', '--limit', '3']);
    expect(limited.items).toHaveLength(3);
    expect(limited.nextCursor).not.toBeNull();
  });

  it.skipIf(backend.skip)('lists and revokes tokens', async () => {
    const tokens = await json<{ items: { id: string; name: string; scope: string }[] }>(['token', 'list']);
    expect(tokens.items.map((t) => `${t.name}:${t.scope}`).sort()).toEqual(['ci-main:ci', 'first-admin:admin', 'release-manager:admin']);
    const listed = await ok(['token', 'list']);
    expect(listed.stdout).toMatch(/release-manager\s+admin\s+gnt_\S*…\s+expires in (29|30)d/);
    const id = tokens.items.find((t) => t.name === 'release-manager')!.id;
    expect((await ok(['token', 'revoke', id])).stdout).toContain('Revoked token "release-manager"');
    await fails(['service', 'list'], 'unauthorized', releaseManager);
  });
});
