import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gantry, serve, tempDir, type CliResult, type ServeProcess } from './harness.js';

/** Exit codes: 2 for what is wrong on the command line, 1 for what the server or the network says. */
const adminToken = 'gnt_errors_admin_token_0123456789';
let server: ServeProcess;
let removeDir = async () => {};

beforeAll(async () => {
  const dir = await tempDir();
  removeDir = dir.remove;
  server = await serve(['--port', '0', '--data-dir', dir.path, '--log-level', 'warn'], { GANTRY_ADMIN_TOKEN: adminToken });
});

afterAll(async () => {
  if (server) expect(await server.stop()).toBe(0);
  await removeDir();
});

const run = (args: string[], token: string | null = adminToken, url?: string) => gantry(args, { url: url ?? server.url, token });
const explain = (r: CliResult) => `exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;

async function usage(args: string[], message: string | RegExp) {
  const r = await run(args);
  expect(r.code, explain(r)).toBe(2);
  expect(r.stdout).toBe('');
  expect(r.stderr).toMatch(message);
}

describe('usage errors exit 2 before anything is sent', () => {
  it.each([
    [['frobnicate'], /^error: unknown command 'frobnicate'/m],
    [['deploy', 'checkout-api', '1.0.0'], /error: required option '--to <env>' not specified/],
    [['deploy', 'checkout-api', '1.0.0', '--to', 'staging', '--strategy', 'yolo'], /Allowed choices are recreate, rolling, blue-green, canary/],
    [['deploy', 'checkout-api', '1.0.0', '--to', 'staging', '--timeout', '5'], /--timeout only applies with --wait/],
    [['deploy', 'Checkout', '1.0.0', '--to', 'staging'], /lower-case letters, digits and dashes/],
    [['deployment', 'report', '1', '--state', 'done'], /argument 'done' is invalid\. Allowed choices are running, verifying, succeeded, failed, rolled-back/],
    [['deployment', 'report', '1'], /required option '--state <state>' not specified/],
    [['deployment', 'show', 'abc'], /value 'abc' is invalid for argument 'id'\. It must be a positive whole number/],
    [['deployment', 'show', '0'], /positive whole number/],
    [['deployment', 'list', '--state', 'sleeping'], /Allowed choices are queued, pending/],
    [['deployment', 'list', '--limit', '-3'], /--limit/],
    [['deployment'], /Usage: gantry deployment/],
    [['env', 'freeze', 'staging', '--until', 'tomorrow', '--reason', 'x'], /Use an ISO 8601 time/],
    [['env', 'freeze', 'staging', '--until', '2020-01-01T00:00:00Z', '--reason', 'x'], /--until must be in the future/],
    [['env', 'update', 'staging'], /say what to change/],
    [['artifact', 'register', 'web', '1.0.0', '--digest', 'md5:abc'], /A digest is algorithm:hex/],
    [['artifact', 'register', 'web', '1.0.0', '--digest', `sha256:${'a'.repeat(64)}`, '--metadata', 'novalue'], /Use key=value/],
    [['artifact', 'register', 'web', '1.0.0', '--digest', `sha256:${'a'.repeat(64)}`, '--build-url', 'not a url'], /--build-url must be an http\(s\) URL/],
    [['token', 'create', '--scope', 'root', '--name', 'x'], /Use admin, ci, read, sdk-server:<environment>, sdk-client:<environment> or agent:<environment>/],
    [['token', 'create', '--scope', 'sdk-client:Prod', '--name', 'x'], /argument 'sdk-client:Prod' is invalid/],
    [['release', 'new-checkout', '--env', 'production', '--on', '--off'], /give only one of --on, --off, --percent and --segment; got --on and --off/],
    [['release', 'new-checkout', '--env', 'production', '--percent', '10', '--segment', 'beta'], /got --percent and --segment/],
    [['release', 'new-checkout', '--env', 'production'], /say what to release: one of --on, --off, --percent N or --segment S/],
    [['release', 'new-checkout', '--env', 'production', '--percent', '150'], /argument '150' is invalid\. It must be a number from 0 to 100 with at most 3 decimals/],
    [['release', 'new-checkout', '--env', 'production', '--percent', '1.23456'], /argument '1\.23456' is invalid/],
    [['release', 'new-checkout', '--env', 'production', '--percent', '-5'], /--percent/],
    [['release', 'new-checkout', '--on'], /required option '--env <env>' not specified/],
    [['release', 'new-checkout', '--env', 'production', '--on', '--at', '2020-01-01T00:00:00Z'], /--at must be in the future/],
    [['release', 'new-checkout', '--env', 'production', '--on', '--at', 'soon'], /Use an ISO 8601 time/],
    [['release', 'new checkout', '--env', 'production', '--on'], /A feature key is letters, digits/],
    [['release', 'cancel', 'abc'], /positive whole number/],
    [['kill', 'new-checkout'], /required option '--env <env>' not specified/],
    [['releases', '--state', 'done'], /Allowed choices are applied, scheduled, cancelled, failed/],
    [['feature', 'create', 'banner', '--type', 'string'], /a string feature needs at least two --variation KEY=VALUE/],
    [['feature', 'create', 'banner', '--type', 'string', '--variation', 'blue'], /Use KEY=VALUE/],
    [['feature', 'create', 'limit', '--type', 'number', '--variation', 'a=1', '--variation', 'b=lots'], /--variation b=lots: a number feature's values must be a finite number/],
    [['feature', 'create', 'cfg', '--type', 'json', '--variation', 'a={"n":1}', '--variation', 'b={oops'], /a json feature's values must be a JSON object or array/],
    [['feature', 'create', 'flag', '--variation', 'on=yes', '--variation', 'off=false'], /a boolean feature's values must be true or false/],
    [['feature', 'create', 'flag', '--variation', 'a=true', '--variation', 'a=false'], /The variation key "a" is given twice/],
    [['feature', 'create', 'flag', '--on-variation', '2'], /--on-variation 2 does not exist: the variations are numbered 0 to 1/],
    [['feature', 'create', 'flag', '--on-variation', '1', '--off-variation', '1'], /--on-variation and --off-variation must differ; both are 1/],
    [['feature', 'create', 'flag', '--kind', 'forever'], /Allowed choices are release, experiment, operational, kill-switch, permission/],
    [['segment', 'create', 'production', 'beta', '--rule', 'age:gte:old'], /gte compares numbers; "old" is not a number/],
    [['segment', 'create', 'production', 'beta', '--rule', 'country:like:NL'], /Unknown operator "like"/],
    [['segment', 'create', 'production', 'beta', '--rule', 'country'], /Use ATTRIBUTE:OPERATOR:VALUE/],
    [['segment', 'create', 'production', 'Beta'], /lower-case letters, digits and dashes/],
    [['segment', 'show', 'production'], /missing required argument 'key'/],
    [['token', 'revoke', '42'], /A token id is a UUID/],
    [['audit', '--since', '1h', '--until', '2h'], /--since .* must be before --until/],
    [['service', 'list', 'extra'], /too many arguments/],
    [['service', 'list', '--url', 'ftp://example.com'], /must start with http:\/\/ or https:\/\//],
    [['agent', '--env', 'production'], /required option '--name <name>' not specified/],
    [['deploy', 'web', '1.0.0', '--to', 'staging', '--driver', 'kubernetes'], /Allowed choices are external, agent, script/],
    [['deployment', 'promote', 'latest'], /positive whole number/],
    [['deployment', 'abort', '3'], /required option '--reason <text>' not specified/],
    [['deployment', 'abort', '3', '--reason', ' '], /It must not be empty/],
    [['run-spec', 'set', 'web'], /required option '--file <file>' not specified/],
    [['run-spec', 'set', 'web', '--file', 'no-such-spec.json'], /error: cannot read no-such-spec\.json: no such file/],
    [['run-spec', 'show', 'Web'], /lower-case letters, digits and dashes/],
    [['agents', '--env', 'Prod'], /option '--env <env>' argument 'Prod' is invalid/],
  ])('gantry %j', async (args, message) => {
    await usage(args, message);
  });

  it('prints help and version with exit 0', async () => {
    const help = await run(['deploy', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--override-freeze <reason>');
    expect(help.stdout).toContain('--json');
    expect((await run(['--version'])).stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  });
});

describe('API and network errors exit 1 with the problem on stderr', () => {
  it('says what does not exist, with the code', async () => {
    const r = await run(['env', 'freeze', 'prod', '--until', '1h', '--reason', 'x']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('error: environment "prod" does not exist (environment_not_found)\n');
    expect(r.stdout).toBe('');
    const feature = await run(['release', 'new-checkout', '--env', 'production', '--on']);
    expect(feature.code).toBe(1);
    expect(feature.stderr).toBe('error: feature "new-checkout" does not exist (feature_not_found)\nhint: create it with gantry feature create KEY, or check gantry feature list\n');
    const missing = await run(['deployment', 'show', '999']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('error: deployment "999" does not exist (deployment_not_found)');
  });

  it('prints the problem as JSON on stdout with --json', async () => {
    const r = await run(['artifact', 'list', 'nope', '--json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ status: 404, code: 'service_not_found' });
    expect(r.stderr).toContain('(service_not_found)');
  });

  it('says when the token is wrong or missing', async () => {
    const bad = await run(['service', 'list'], 'gnt_not_a_real_token');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('error: the bearer token is unknown, expired or revoked (unauthorized)');
    const none = await run(['service', 'list'], null);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/\(unauthorized\)\nhint: set GANTRY_TOKEN or pass --token\n$/);
  });

  it('says when the token may not do something', async () => {
    const reader = (await run(['token', 'create', '--scope', 'read', '--name', 'dashboard'])).stdout.trim();
    const r = await run(['service', 'create', 'web'], reader);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/scope "read" may not POST .*\(forbidden\)/);
    const flags = await gantry(['--token', reader, 'service', 'list'], { url: server.url, token: 'gnt_wrong_from_the_environment' });
    expect(flags.code, explain(flags)).toBe(0);
  });

  it('says when the server cannot be reached', async () => {
    const port = await closedPort();
    const r = await run(['service', 'list'], adminToken, `http://127.0.0.1:${port}`);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^error: cannot reach Gantry at http://127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`));
    const wait = await run(['deploy', 'web', '1.0.0', '--to', 'staging', '--wait'], adminToken, `http://127.0.0.1:${port}`);
    expect(wait.code).toBe(1);
  });

  it('refuses to run the agent with a token that is not an agent token', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'gantry-agent-cli-'));
    const r = await run(['agent', '--name', 'host-1', '--env', 'production', '--state-dir', stateDir]);
    rmSync(stateDir, { recursive: true, force: true });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('needs the agent permission');
  });
});

function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
