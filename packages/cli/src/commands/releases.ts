import { Option, type Command } from 'commander';
import { path } from '../client.js';
import { contextOf } from '../context.js';
import { UsageError } from '../errors.js';
import { note, out, printJson, relativeTime, table } from '../output.js';
import { futureTime, name, nonEmpty, positiveInteger } from '../parse.js';
import { featureKey, percent } from '../targeting.js';
import type { FeatureConfig } from './features.js';
import type { Release } from '@gantry/server';
export type { Release };

export const releaseStates = ['applied', 'scheduled', 'cancelled', 'failed'] as const;

interface ReleaseOptions {
  env?: string;
  on?: boolean;
  off?: boolean;
  percent?: number;
  segment?: string;
  reason?: string;
  at?: string;
}

const iso = (time: string) => time.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
const plainSummary = (r: Release) => r.summary.replace(/ \(scheduled\)$/, '');

/** `new-checkout in production: rolled out to 25 % of users (release 12)`, or `… scheduled for …`. */
export function releaseLine(r: Release): string {
  const head = `${r.feature} in ${r.environment}: ${plainSummary(r)}`;
  if (r.state === 'scheduled' && r.scheduledFor) return `${head}, scheduled for ${iso(r.scheduledFor)} (${relativeTime(r.scheduledFor)}) (release ${r.id})`;
  return `${head} (release ${r.id})`;
}

/** The release body from the one action given: exactly one of --on, --off, --percent, --segment. */
export function releaseBody(opts: ReleaseOptions): Record<string, unknown> {
  if (opts.env === undefined) throw new UsageError('required option \'--env <env>\' not specified');
  const given = [opts.on && '--on', opts.off && '--off', opts.percent !== undefined && '--percent', opts.segment !== undefined && '--segment'].filter(Boolean);
  if (given.length !== 1) {
    throw new UsageError(given.length === 0 ? 'say what to release: one of --on, --off, --percent N or --segment S' : `give only one of --on, --off, --percent and --segment; got ${given.join(' and ')}`);
  }
  if (opts.at !== undefined && new Date(opts.at).getTime() <= Date.now()) throw new UsageError(`--at must be in the future; got ${opts.at}`);
  const action = opts.on ? { action: 'on' } : opts.off ? { action: 'off' } : opts.percent !== undefined ? { action: 'percent', percent: opts.percent } : { action: 'segment', segment: opts.segment };
  return { ...action, ...(opts.reason !== undefined ? { reason: opts.reason } : {}), ...(opts.at !== undefined ? { at: opts.at } : {}) };
}

async function post(cmd: Command, key: string, env: string, body: Record<string, unknown>): Promise<void> {
  const { client, json } = contextOf(cmd);
  const result = await client.post<{ release: Release; config: FeatureConfig }>(path('features', key, 'environments', env, 'releases'), body);
  if (json) return printJson(result);
  out(releaseLine(result.release));
  if (result.release.state === 'scheduled') note(`until then: ${result.config.audience}; cancel it with: gantry release cancel ${result.release.id}`);
  else note(`who sees it now in ${env}: ${result.config.audience}`);
}

export function registerReleases(program: Command): void {
  const release = program.command('release')
    .description('release a feature in one environment: on, off, to a percentage of users or to a segment; now or --at a time')
    .usage('KEY --env ENV (--on | --off | --percent N | --segment S) [--reason TEXT] [--at TIME]\n       gantry release cancel ID')
    .argument('<key>', 'feature key', featureKey)
    .option('--env <env>', 'the environment (required)', name)
    .option('--on', 'turn it on for everyone')
    .option('--off', 'turn it off for everyone')
    .option('--percent <n>', 'roll it out to N % of users (0 to 100, at most 3 decimals); raising N only adds users', percent)
    .option('--segment <segment>', 'release it to a segment of the environment (gantry segment list ENV)', name)
    .option('--reason <text>', 'why; kept in the release history and the audit trail', nonEmpty)
    .option('--at <time>', 'apply it later: ISO time, or a duration from now such as 30m', futureTime)
    .action(async (key: string, opts: ReleaseOptions, cmd: Command) => {
      const body = releaseBody(opts);
      await post(cmd, key, opts.env!, body);
    });

  release.command('cancel')
    .description('cancel a scheduled release')
    .argument('<id>', 'release id, from gantry releases', positiveInteger)
    .action(async (id: number, _opts: unknown, cmd: Command) => {
      const { client, json } = contextOf(cmd);
      const r = await client.delete<Release>(path('releases', id));
      if (json) return printJson(r);
      out(`Cancelled release ${r.id}: ${r.feature} in ${r.environment} would have been ${plainSummary(r)}${r.scheduledFor ? ` at ${iso(r.scheduledFor)}` : ''}.`);
    });

  program.command('kill')
    .description('the kill switch: turn a feature off in one environment at once')
    .argument('<key>', 'feature key', featureKey)
    .option('--env <env>', 'the environment (required)', name)
    .option('--reason <text>', 'why; kept in the release history and the audit trail', nonEmpty)
    .action(async (key: string, opts: { env?: string; reason?: string }, cmd: Command) => {
      if (opts.env === undefined) throw new UsageError('required option \'--env <env>\' not specified');
      await post(cmd, key, opts.env, { action: 'kill', ...(opts.reason !== undefined ? { reason: opts.reason } : {}) });
    });

  program.command('releases')
    .description('release history, newest first: who changed who sees which feature, when and why')
    .option('--feature <key>', 'only this feature', featureKey)
    .option('--env <env>', 'only this environment', name)
    .addOption(new Option('--state <state>', 'only releases in this state').choices(releaseStates))
    .option('--limit <n>', 'at most this many (default 20)', positiveInteger)
    .action(async (opts: { feature?: string; env?: string; state?: string; limit?: number }, cmd: Command) => {
      const { client, json } = contextOf(cmd);
      const page = await client.collect<Release>('/releases', { feature: opts.feature, environment: opts.env, state: opts.state }, opts.limit ?? 20);
      if (json) return printJson(page);
      if (page.items.length === 0) return note('No releases match.');
      out(table(['ID', 'WHEN', 'FEATURE', 'ENVIRONMENT', 'STATE', 'SUMMARY', 'AUTHOR', 'REASON'], page.items.map((r) => [
        r.id, relativeTime(r.appliedAt ?? r.scheduledFor ?? r.createdAt), r.feature, r.environment, r.state,
        `${plainSummary(r)}${r.error ? `: ${r.error}` : ''}`, r.author, r.reason ?? '',
      ])));
      if (page.nextCursor) note('(older releases exist: raise --limit)');
    });
}
