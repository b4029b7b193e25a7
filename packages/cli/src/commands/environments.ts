import type { Command } from 'commander';
import { path } from '../client.js';
import { contextOf } from '../context.js';
import { UsageError } from '../errors.js';
import { note, out, printJson, relativeTime, table } from '../output.js';
import { futureTime, label, name, nonEmpty } from '../parse.js';
import type { Environment } from '@gantry/server';
export type { Environment };

/** "label stable, success in staging", or "none". */
export function describePolicy(env: Environment): string {
  const rules: string[] = [];
  if (env.policy.requiredLabel) rules.push(`label "${env.policy.requiredLabel}"`);
  if (env.policy.requirePreviousSuccess) rules.push(env.previous ? `success in ${env.previous}` : 'success in the previous environment');
  return rules.length ? rules.join(', ') : 'none';
}

function describeFreeze(env: Environment): string {
  return env.freeze ? `until ${env.freeze.until} (${relativeTime(env.freeze.until)})${env.freeze.reason ? `: ${env.freeze.reason}` : ''}` : 'no';
}

function summary(env: Environment): string {
  return [
    `position ${env.position}${env.previous ? `, after ${env.previous}` : ', first in the path'}`,
    env.protected ? 'protected (deployments need approval)' : 'not protected',
    `policy: ${describePolicy(env)}`,
    ...(env.freeze ? [`frozen ${describeFreeze(env)}`] : []),
  ].join('; ');
}

export function registerEnvironments(program: Command): void {
  const env = program.command('env').description('environments: the promotion path, protection, freezes and policy');

  env.command('create')
    .description('create an environment at the end of the promotion path, or after another one')
    .argument('<name>', 'e.g. staging', name)
    .option('--after <env>', 'place it right after this environment', name)
    .option('--protected', 'deployments into it need an approval by someone other than the requester')
    .option('--require-label <label>', 'only artifacts with this label may be deployed, e.g. stable', label)
    .option('--require-previous-success', 'the same version must have succeeded in the previous environment first')
    .action(async (envName: string, opts: { after?: string; protected?: boolean; requireLabel?: string; requirePreviousSuccess?: boolean }, cmd: Command) => {
      const { client, json } = contextOf(cmd);
      const created = await client.post<Environment>('/environments', {
        name: envName,
        ...(opts.after !== undefined ? { after: opts.after } : {}),
        ...(opts.protected ? { protected: true } : {}),
        ...(opts.requireLabel !== undefined ? { requiredLabel: opts.requireLabel } : {}),
        ...(opts.requirePreviousSuccess ? { requirePreviousSuccess: true } : {}),
      });
      if (json) return printJson(created);
      out(`Created environment ${created.name}: ${summary(created)}.`);
    });

  env.command('list')
    .description('the promotion path, in order, with protection, freezes and policy')
    .action(async (_opts: unknown, cmd: Command) => {
      const { client, json } = contextOf(cmd);
      const list = await client.get<{ items: Environment[] }>('/environments');
      if (json) return printJson(list);
      if (list.items.length === 0) return note('No environments yet: gantry env create NAME');
      out(table(['#', 'ENVIRONMENT', 'PROTECTED', 'FROZEN', 'POLICY'], list.items.map((e) => [
        e.position, e.name, e.protected ? 'yes' : 'no', describeFreeze(e), describePolicy(e),
      ])));
      note(`promotion path: ${list.items.map((e) => e.name).join(' → ')}`);
    });

  env.command('show')
    .description('show one environment')
    .argument('<name>', 'environment', name)
    .action(async (envName: string, _opts: unknown, cmd: Command) => {
      const { client, json } = contextOf(cmd);
      const shown = await client.get<Environment>(path('environments', envName));
      if (json) return printJson(shown);
      out(`${shown.name}: ${summary(shown)}.`);
    });

  env.command('update')
    .description('change protection or promotion policy')
    .argument('<name>', 'environment', name)
    .option('--protected', 'require approvals')
    .option('--no-protected', 'stop requiring approvals')
    .option('--require-label <label>', 'only artifacts with this label may be deployed', label)
    .option('--no-require-label', 'drop the label requirement')
    .option('--require-previous-success', 'require success in the previous environment first')
    .option('--no-require-previous-success', 'drop that requirement')
    .action(async (envName: string, opts: { protected?: boolean; requireLabel?: string | false; requirePreviousSuccess?: boolean }, cmd: Command) => {
      const changes = {
        ...(opts.protected !== undefined ? { protected: opts.protected } : {}),
        ...(opts.requireLabel !== undefined ? { requiredLabel: opts.requireLabel === false ? null : opts.requireLabel } : {}),
        ...(opts.requirePreviousSuccess !== undefined ? { requirePreviousSuccess: opts.requirePreviousSuccess } : {}),
      };
      if (Object.keys(changes).length === 0) {
        throw new UsageError('say what to change: --protected, --no-protected, --require-label L, --no-require-label, --require-previous-success or --no-require-previous-success');
      }
      const { client, json } = contextOf(cmd);
      const updated = await client.patch<Environment>(path('environments', envName), changes);
      if (json) return printJson(updated);
      out(`Updated environment ${updated.name}: ${summary(updated)}.`);
    });

  env.command('freeze')
    .description('refuse deployments into an environment until a time (an override with a reason is audited)')
    .argument('<name>', 'environment', name)
    .requiredOption('--until <time>', 'when the freeze ends: ISO time, or a duration from now such as 2h or 3d', futureTime)
    .requiredOption('--reason <text>', 'why, shown to everyone who tries to deploy', nonEmpty)
    .action(async (envName: string, opts: { until: string; reason: string }, cmd: Command) => {
      if (new Date(opts.until).getTime() <= Date.now()) throw new UsageError(`--until must be in the future; got ${opts.until}`);
      const { client, json } = contextOf(cmd);
      const frozen = await client.put<Environment>(path('environments', envName, 'freeze'), { until: opts.until, reason: opts.reason });
      if (json) return printJson(frozen);
      out(`Froze ${frozen.name} ${describeFreeze(frozen)}.`);
    });

  env.command('unfreeze')
    .description('end a freeze now')
    .argument('<name>', 'environment', name)
    .action(async (envName: string, _opts: unknown, cmd: Command) => {
      const { client, json } = contextOf(cmd);
      const thawed = await client.delete<Environment>(path('environments', envName, 'freeze'));
      if (json) return printJson(thawed);
      out(`Unfroze ${thawed.name}: deployments are accepted again.`);
    });
}
