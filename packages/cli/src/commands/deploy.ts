import { drivers } from '@gantry/server';
import { Option, type Command } from 'commander';
import { path, type Client } from '../client.js';
import { contextOf } from '../context.js';
import { UsageError } from '../errors.js';
import { note, out, printJson } from '../output.js';
import { name, nonEmpty, positiveInteger, version } from '../parse.js';
import type { Deployment } from './deployments.js';
import { waitForDeployment } from './wait.js';

/** The strategies of DESIGN.md's vocabulary; the drivers are the server's own list. */
export const strategies = ['recreate', 'rolling', 'blue-green', 'canary'] as const;

/** Default for --wait: long enough for an approval in a protected environment. */
const defaultTimeoutSeconds = 1800;

interface WaitFlags {
  wait?: boolean;
  timeout?: number;
}

function checkWaitFlags(opts: WaitFlags): void {
  if (opts.timeout !== undefined && !opts.wait) throw new UsageError('--timeout only applies with --wait');
}

/** Prints the id (stdout, for `id=$(…)`), then follows the deployment when asked to. */
async function finish(client: Client, json: boolean, created: Deployment, opts: WaitFlags, describe: string): Promise<void> {
  if (!json) {
    note(describe);
    out(String(created.id));
  }
  if (!opts.wait) {
    if (json) printJson(created);
    return;
  }
  const { deployment, failure } = await waitForDeployment(client, created, {
    timeoutSeconds: opts.timeout ?? defaultTimeoutSeconds,
    interactive: process.stderr.isTTY === true,
  });
  if (json) printJson(deployment);
  if (failure) throw failure;
}

function stateNote(d: Deployment): string {
  if (d.state === 'pending') return `awaiting approval in protected environment ${d.environment}: gantry deployment approve ${d.id}`;
  if (d.state === 'queued') return 'queued: it starts when the active deployment finishes';
  return d.state;
}

export function registerDeploy(program: Command): void {
  program.command('deploy')
    .description('deploy one artifact into one environment; prints the deployment id on stdout')
    .argument('<service>', 'service', name)
    .argument('<version>', 'the artifact\'s version', version)
    .requiredOption('--to <env>', 'target environment', name)
    .addOption(new Option('--strategy <strategy>', 'how to replace the running version').choices(strategies))
    .addOption(new Option('--driver <driver>', 'who performs it: external (default: your CI reports progress), agent (Gantry, through its host agents) or script (Gantry runs the run spec\'s scripts)').choices(drivers))
    .option('--reason <text>', 'why, kept with the deployment', nonEmpty)
    .option('--queue', 'if another deployment of this service to this environment is active, run after it instead of failing')
    .option('--override-freeze <reason>', 'deploy into a frozen environment; the reason is audited', nonEmpty)
    .option('--wait', 'follow it, printing its log as it goes, until it succeeds (exit 0) or fails, is rolled back or times out (exit 1)')
    .option('--timeout <seconds>', `with --wait: give up after this long (default ${defaultTimeoutSeconds})`, positiveInteger)
    .action(async (service: string, ver: string, opts: WaitFlags & { to: string; strategy?: string; driver?: string; reason?: string; queue?: boolean; overrideFreeze?: string }, cmd: Command) => {
      checkWaitFlags(opts);
      const { client, json } = contextOf(cmd);
      const created = await client.post<Deployment>('/deployments', {
        service, environment: opts.to, version: ver,
        ...(opts.strategy !== undefined ? { strategy: opts.strategy } : {}),
        ...(opts.driver !== undefined ? { driver: opts.driver } : {}),
        ...(opts.reason !== undefined ? { reason: opts.reason } : {}),
        ...(opts.queue ? { queue: true } : {}),
        ...(opts.overrideFreeze !== undefined ? { overrideFreeze: opts.overrideFreeze } : {}),
      });
      const freeze = created.overrideReason ? ` (freeze overridden: ${created.overrideReason})` : '';
      await finish(client, json, created, opts,
        `Deployment ${created.id}: ${created.service}@${created.version} → ${created.environment} (${created.strategy}, ${created.driver} driver)${freeze}: ${stateNote(created)}`);
    });

  program.command('rollback')
    .description('redeploy the previous successful version of a service in an environment; prints the new deployment id')
    .argument('<service>', 'service', name)
    .requiredOption('--env <env>', 'environment', name)
    .option('--reason <text>', 'why, kept with the deployment', nonEmpty)
    .option('--wait', 'follow the rollback deployment, printing its log, until it finishes')
    .option('--timeout <seconds>', `with --wait: give up after this long (default ${defaultTimeoutSeconds})`, positiveInteger)
    .action(async (service: string, opts: WaitFlags & { env: string; reason?: string }, cmd: Command) => {
      checkWaitFlags(opts);
      const { client, json } = contextOf(cmd);
      const created = await client.post<Deployment>('/rollbacks', { service, environment: opts.env, ...(opts.reason !== undefined ? { reason: opts.reason } : {}) });
      let from = '';
      if (!json && created.rollbackOf !== null) {
        const replaced = await client.get<Deployment>(path('deployments', created.rollbackOf)).catch(() => undefined);
        if (replaced) from = ` from ${replaced.version} (deployment ${replaced.id})`;
      }
      await finish(client, json, created, opts,
        `Rolling back ${created.service} in ${created.environment}${from} to ${created.version}: deployment ${created.id}, ${stateNote(created)}`);
    });
}
