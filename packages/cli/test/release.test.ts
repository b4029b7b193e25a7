import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gantry, serve, tempDir, type CliResult, type ServeProcess } from './harness.js';

/**
 * Releasing features, driven only through the built `gantry` binary; what SDKs are served is
 * checked over OFREP with an `sdk-client` token the CLI created.
 */
const adminToken = 'gnt_release_admin_token_0123456789';
let server: ServeProcess;
let removeDir = async () => {};
let sdkToken = '';

beforeAll(async () => {
  const dir = await tempDir();
  removeDir = dir.remove;
  server = await serve(['--port', '0', '--data-dir', dir.path, '--log-level', 'warn'], { GANTRY_ADMIN_TOKEN: adminToken });
});

afterAll(async () => {
  if (server) expect(await server.stop()).toBe(0);
  await removeDir();
});

const run = (args: string[], token: string | null = adminToken) => gantry(args, { url: server.url, token });
const explain = (r: CliResult) => `exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;
async function ok(args: string[], token?: string | null): Promise<CliResult> {
  const r = await run(args, token);
  expect(r.code, explain(r)).toBe(0);
  return r;
}
async function fails(args: string[], code: string): Promise<CliResult> {
  const r = await run(args);
  expect(r.code, explain(r)).toBe(1);
  expect(r.stderr).toMatch(new RegExp(`^error: .+ \\(${code}\\)$`, 'm'));
  return r;
}
async function json<T = Record<string, unknown>>(args: string[]): Promise<T> {
  return JSON.parse((await ok([...args, '--json'])).stdout) as T;
}

interface Evaluation { key: string; value?: unknown; reason?: string; variant?: string; errorCode?: string }

async function evaluate(key: string, targetingKey: string): Promise<Evaluation> {
  const response = await fetch(`${server.url}/ofrep/v1/evaluate/flags/${key}`, {
    method: 'POST', headers: { authorization: `Bearer ${sdkToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ context: { targetingKey } }),
  });
  return (await response.json()) as Evaluation;
}

/** OFREP reads a snapshot that follows commits within milliseconds; the scheduler ticks every second. */
async function eventually<T>(read: () => Promise<T>, done: (v: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (done(v) || Date.now() > deadline) return v;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const users = Array.from({ length: 200 }, (_, i) => `user-${i}`);
const countOn = async (key: string) => (await Promise.all(users.map((u) => evaluate(key, u)))).filter((r) => r.value === true).length;

interface Release { id: number; feature: string; environment: string; action: string; state: string; author: string; reason: string | null; scheduledFor: string | null }

describe('gantry feature, release, kill, releases and segment', () => {
  it('creates environments, features of each type, and an sdk-client token', async () => {
    await ok(['env', 'create', 'staging']);
    await ok(['env', 'create', 'production']);
    const created = await ok(['feature', 'create', 'new-checkout', '--description', 'One-page checkout', '--owner', 'payments']);
    expect(created.stdout).toContain('Created boolean feature new-checkout (release, expected to live 40 days): off in 2 environments.');
    expect(created.stdout).toMatch(/^0\s+on\s+true\s+when on$/m);
    expect(created.stdout).toMatch(/^1\s+off\s+false\s+when off$/m);

    const banner = await json<{ type: string; kind: string; variations: unknown[] }>(['feature', 'create', 'banner', '--type', 'string', '--kind', 'experiment',
      '--variation', 'blue=blue', '--variation', 'green="green"', '--variation', 'number=3']);
    expect(banner).toMatchObject({ type: 'string', kind: 'experiment', variations: [{ key: 'blue', value: 'blue' }, { key: 'green', value: 'green' }, { key: 'number', value: '3' }] });
    const limits = await json(['feature', 'create', 'limits', '--type', 'json', '--variation', 'small={"n":1}', '--variation', 'big={"n":9}',
      '--on-variation', '1', '--off-variation', '0', '--kind', 'operational']);
    expect(limits).toMatchObject({ onVariation: 1, offVariation: 0, variations: [{ value: { n: 1 } }, { value: { n: 9 } }] });
    expect(await json(['feature', 'create', 'ratio', '--type', 'number', '--variation', 'low=0.1', '--variation', 'high=0.9'])).toMatchObject({ variations: [{ value: 0.1 }, { value: 0.9 }] });
    await fails(['feature', 'create', 'banner'], 'feature_exists');

    const token = await ok(['token', 'create', '--scope', 'sdk-client:production', '--name', 'web']);
    sdkToken = token.stdout.trim();
    expect(sdkToken).toMatch(/^gnt_/);
    expect(token.stderr).toContain('Created sdk-client:production token "web"');
    expect(await json(['token', 'create', '--scope', 'sdk-server:staging', '--name', 'backend'])).toMatchObject({ token: { scope: 'sdk-server:staging' } });
    expect(await evaluate('new-checkout', 'u1')).toMatchObject({ value: false, reason: 'DISABLED' });
  });

  it('turns a feature on, rolls it out to 25 %, and OFREP serves what was released', async () => {
    const on = await ok(['release', 'new-checkout', '--env', 'production', '--on', '--reason', 'launch']);
    expect(on.stdout).toMatch(/^new-checkout in production: turned on \(release \d+\)\n$/);
    expect(on.stderr).toContain('who sees it now in production: everyone');
    expect(await eventually(() => evaluate('new-checkout', 'u1'), (r) => r.value === true)).toMatchObject({ value: true });

    const quarter = await ok(['release', 'new-checkout', '--env', 'production', '--percent', '25', '--reason', 'first quarter']);
    expect(quarter.stdout).toMatch(/^new-checkout in production: rolled out to 25 % of users \(release \d+\)\n$/);
    const seen = await eventually(() => countOn('new-checkout'), (n) => n < users.length);
    expect(seen).toBeGreaterThan(25);
    expect(seen).toBeLessThan(80);

    const body = await json<{ release: Release; config: { audience: string } }>(['release', 'new-checkout', '--env', 'production', '--percent', '30.5']);
    expect(body).toMatchObject({ release: { action: 'percent', state: 'applied' }, config: { audience: '30.5 %' } });
  });

  it('creates segments, releases to one, and shows them', async () => {
    const created = await ok(['segment', 'create', 'production', 'beta-testers', '--include', 'u-beta', '--exclude', 'u-banned',
      '--rule', 'plan:in:beta,pro', '--rule', 'age:gte:18', '--description', 'Early adopters']);
    expect(created.stdout).toBe('Created segment beta-testers in production: 1 key, 1 excluded, 2 rules.\n');
    await ok(['segment', 'create', 'production', 'unused']);
    const list = await ok(['segment', 'list', 'production']);
    expect(list.stdout).toMatch(/^KEY\s+INCLUDED\s+EXCLUDED\s+RULES\s+UPDATED\s+DESCRIPTION$/m);
    expect(list.stdout).toMatch(/^beta-testers\s+1\s+1\s+plan in beta, pro\s+.+Early adopters$/m);
    expect(list.stdout).toMatch(/^\s+age gte 18$/m);
    const shown = await ok(['segment', 'show', 'production', 'beta-testers']);
    expect(shown.stdout).toMatch(/^included\s+u-beta$/m);
    expect(shown.stdout).toMatch(/^rules\s+1\. plan in beta, pro\n\s+2\. age gte 18$/m);
    expect(await json(['segment', 'show', 'production', 'beta-testers'])).toMatchObject({ included: ['u-beta'], rules: [{ clauses: [{ attribute: 'plan', operator: 'in', values: ['beta', 'pro'] }] }, { clauses: [{ operator: 'gte', values: [18] }] }] });

    const released = await ok(['release', 'banner', '--env', 'production', '--segment', 'beta-testers', '--reason', 'beta first']);
    expect(released.stdout).toMatch(/^banner in production: released to segment beta-testers \(release \d+\)\n$/);
    expect(await eventually(() => evaluate('banner', 'u-beta'), (r) => r.value === 'blue')).toMatchObject({ value: 'blue', reason: 'TARGETING_MATCH' });
    expect(await evaluate('banner', 'u-other')).toMatchObject({ value: '3', variant: 'number', reason: 'DEFAULT' });

    await fails(['release', 'banner', '--env', 'production', '--segment', 'nobody'], 'segment_not_found');
    await fails(['release', 'banner', '--env', 'staging', '--segment', 'beta-testers'], 'segment_not_found');
    await fails(['segment', 'delete', 'production', 'beta-testers'], 'segment_in_use');
    expect((await ok(['segment', 'delete', 'production', 'unused'])).stdout).toBe('Deleted segment unused in production.\n');
    expect(await json(['segment', 'list', 'production'])).toMatchObject({ items: [{ key: 'beta-testers' }] });
    await fails(['segment', 'show', 'production', 'unused'], 'segment_not_found');
  });

  it('kills a feature at once', async () => {
    const killed = await ok(['kill', 'new-checkout', '--env', 'production', '--reason', 'errors spiking']);
    expect(killed.stdout).toMatch(/^new-checkout in production: killed \(turned off at once\) \(release \d+\)\n$/);
    expect(killed.stderr).toContain('who sees it now in production: off');
    expect(await eventually(() => evaluate('new-checkout', 'u1'), (r) => r.value === false)).toMatchObject({ value: false, reason: 'DISABLED' });
    expect(await eventually(() => countOn('new-checkout'), (n) => n === 0)).toBe(0);
  });

  it('schedules a release that applies when due, and cancels another', async () => {
    const scheduled = await ok(['release', 'new-checkout', '--env', 'production', '--percent', '100', '--at', '3s', '--reason', 'relaunch']);
    expect(scheduled.stdout).toMatch(/^new-checkout in production: rolled out to 100 % of users, scheduled for \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ \(in \d+s\) \(release \d+\)\n$/);
    const id = Number(/release (\d+)\)\n$/.exec(scheduled.stdout)![1]);
    expect(scheduled.stderr).toContain(`gantry release cancel ${id}`);

    const later = await json<{ release: Release }>(['release', 'banner', '--env', 'production', '--off', '--at', '1h', '--reason', 'end of beta']);
    expect(later.release).toMatchObject({ state: 'scheduled', action: 'off' });
    const cancelled = await ok(['release', 'cancel', String(later.release.id)]);
    expect(cancelled.stdout).toMatch(new RegExp(`^Cancelled release ${later.release.id}: banner in production would have been turned off at .+Z\\.\\n$`));
    await fails(['release', 'cancel', String(later.release.id)], 'release_not_scheduled');
    await fails(['release', 'cancel', '9999'], 'release_not_found');

    const applied = await eventually(
      async () => (await json<{ items: Release[] }>(['releases', '--feature', 'new-checkout', '--env', 'production'])).items.find((r) => r.id === id)!,
      (r) => r.state !== 'scheduled', 20_000);
    expect(applied).toMatchObject({ state: 'applied', author: 'token:first-admin', reason: 'relaunch' });
    expect(await eventually(() => countOn('new-checkout'), (n) => n === users.length)).toBe(users.length);
  });

  it('keeps the history with authors and reasons', async () => {
    const history = await ok(['releases', '--env', 'production']);
    const lines = history.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^ID\s+WHEN\s+FEATURE\s+ENVIRONMENT\s+STATE\s+SUMMARY\s+AUTHOR\s+REASON$/);
    expect(history.stdout).toMatch(/^\d+\s+.+\s+new-checkout\s+production\s+applied\s+killed \(turned off at once\)\s+token:first-admin\s+errors spiking$/m);
    expect(history.stdout).toMatch(/^\d+\s+.+\s+banner\s+production\s+cancelled\s+turned off\s+token:first-admin\s+end of beta$/m);
    expect(history.stdout).toMatch(/^\d+\s+.+\s+new-checkout\s+production\s+applied\s+rolled out to 100 % of users\s+token:first-admin\s+relaunch$/m);
    expect(history.stdout).toMatch(/^\d+\s+.+\s+banner\s+production\s+applied\s+released to segment beta-testers\s+token:first-admin\s+beta first$/m);

    const all = await json<{ items: Release[]; nextCursor: string | null }>(['releases', '--feature', 'new-checkout', '--env', 'production']);
    expect(all.items.map((r) => r.action)).toEqual(['percent', 'kill', 'percent', 'percent', 'on']);
    expect((await json<{ items: Release[] }>(['releases', '--state', 'cancelled'])).items.map((r) => r.feature)).toEqual(['banner']);
    const limited = await json<{ items: Release[]; nextCursor: string | null }>(['releases', '--limit', '2']);
    expect(limited.items).toHaveLength(2);
    expect(limited.nextCursor).not.toBeNull();
  });

  it('lists features with who sees each where, and shows one with its configuration', async () => {
    const list = await ok(['feature', 'list']);
    expect(list.stdout).toMatch(/^KEY\s+KIND\s+TYPE\s+staging\s+production\s+CREATED\s+STALE$/m);
    expect(list.stdout).toMatch(/^banner\s+experiment\s+string\s+off\s+segments beta-testers\s+(\S+ ago|just now)$/m);
    expect(list.stdout).toMatch(/^new-checkout\s+release\s+boolean\s+off\s+everyone\s+(\S+ ago|just now)$/m);
    expect(list.stdout).toMatch(/^limits\s+operational\s+json\s+off\s+off\s+/m);
    const page = await json<{ items: { key: string; environments: Record<string, { on: boolean; audience: string }> }[] }>(['feature', 'list']);
    expect(page.items.map((f) => f.key)).toEqual(['banner', 'limits', 'new-checkout', 'ratio']);
    expect(page.items[2]!.environments).toEqual({ staging: { on: false, audience: 'off', revision: 0 }, production: expect.objectContaining({ on: true, audience: 'everyone' }) });

    const shown = await ok(['feature', 'show', 'banner']);
    expect(shown.stdout).toMatch(/^kind\s+experiment \(expected to live 40 days\)$/m);
    expect(shown.stdout).toMatch(/^2\s+number\s+"3"\s+when off$/m);
    expect(shown.stdout).toMatch(/^production\s+yes\s+segments beta-testers\s+\d+$/m);
    const config = await ok(['feature', 'show', 'banner', '--env', 'production']);
    expect(config.stdout).toMatch(/^rules\s+1\. in segment beta-testers → 0 \(blue\)/m);
    expect(config.stdout).toMatch(/^otherwise\s+2 \(number\)$/m);
    expect(config.stdout).toMatch(/^revision\s+1 \(ETag "1": send it as If-Match/m);
    const rollout = await ok(['feature', 'show', 'new-checkout', '--env', 'production']);
    expect(rollout.stdout).toMatch(/^otherwise\s+0 \(on\)$/m);
    expect(await json(['feature', 'show', 'new-checkout', '--env', 'staging'])).toMatchObject({ feature: 'new-checkout', environment: 'staging', revision: 0, audience: 'off' });
    expect(await json(['feature', 'show', 'new-checkout'])).toMatchObject({ key: 'new-checkout', owner: 'payments' });
  });

  it('exits 1 with the code when the API refuses', async () => {
    await fails(['release', 'nope', '--env', 'production', '--on'], 'feature_not_found');
    await fails(['kill', 'nope', '--env', 'production'], 'feature_not_found');
    await fails(['release', 'banner', '--env', 'qa', '--on'], 'environment_not_found');
    await fails(['segment', 'list', 'qa'], 'environment_not_found');
    const problem = await run(['feature', 'show', 'nope', '--json']);
    expect(problem.code).toBe(1);
    expect(JSON.parse(problem.stdout)).toMatchObject({ status: 404, code: 'feature_not_found' });
    const ci = (await ok(['token', 'create', '--scope', 'ci', '--name', 'ci'])).stdout.trim();
    const refused = await run(['release', 'banner', '--env', 'production', '--on'], ci);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('(forbidden)');
  });
});
