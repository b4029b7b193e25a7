import type { Command } from 'commander';
import { contextOf } from '../context.js';
import { UsageError } from '../errors.js';
import { note, out, printJson, relativeTime } from '../output.js';
import { nonEmpty, pastTime, positiveInteger } from '../parse.js';
import type { AuditEvent } from '@gantry/server';

/** Bookkeeping fields that change on every write and say nothing about the change itself. */
const noise = new Set(['revision', 'createdAt', 'updatedAt', 'id', 'artifactId']);

const show = (value: unknown): string => {
  if (value === null || value === undefined) return 'none';
  const text = JSON.stringify(value);
  return text.length > 120 ? `${text.slice(0, 119)}…` : text;
};

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** What changed, one line per field: `state: "approved" → "running"`; a created resource lists its fields. */
export function describeChange(before: unknown, after: unknown): string[] {
  if (before === null || before === undefined) {
    if (!isRecord(after)) return after === null || after === undefined ? [] : [`+ ${show(after)}`];
    return Object.entries(after).filter(([k, v]) => !noise.has(k) && v !== null && !(Array.isArray(v) && v.length === 0)).map(([k, v]) => `+ ${k}: ${show(v)}`);
  }
  if (after === null || after === undefined) return ['deleted'];
  if (!isRecord(before) || !isRecord(after)) return [`${show(before)} → ${show(after)}`];
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((k) => !noise.has(k));
  return keys.filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k])).map((k) => `${k}: ${show(before[k])} → ${show(after[k])}`);
}

interface AuditOptions {
  resourceType?: string;
  resourceId?: string;
  actor?: string;
  action?: string;
  since?: string;
  until?: string;
  limit?: number;
}

export function registerAudit(program: Command): void {
  program.command('audit')
    .description('the audit trail, newest first: who changed what, with before and after')
    .option('--resource-type <type>', 'e.g. deployment, environment, artifact, service, token', nonEmpty)
    .option('--resource-id <id>', 'e.g. a deployment id, an environment name, or service@version', nonEmpty)
    .option('--actor <actor>', 'as events show it, e.g. token:ci-main', nonEmpty)
    .option('--action <action>', 'e.g. deployment.created or environment.frozen', nonEmpty)
    .option('--since <time>', 'from this time: ISO time or a duration ago such as 2h', pastTime)
    .option('--until <time>', 'before this time: ISO time or a duration ago', pastTime)
    .option('--limit <n>', 'at most this many events (default 50)', positiveInteger)
    .action(async (opts: AuditOptions, cmd: Command) => {
      if (opts.since && opts.until && opts.since >= opts.until) throw new UsageError(`--since (${opts.since}) must be before --until (${opts.until})`);
      const { client, json } = contextOf(cmd);
      const page = await client.collect<AuditEvent>('/audit', {
        resourceType: opts.resourceType, resourceId: opts.resourceId, actor: opts.actor, action: opts.action, since: opts.since, until: opts.until,
      }, opts.limit ?? 50);
      if (json) return printJson(page);
      if (page.items.length === 0) return note('No audit events match.');
      const blocks = page.items.map((e) => [
        `#${e.id}  ${e.at.replace(/\.\d+Z$/, 'Z')} (${relativeTime(e.at)})  ${e.actor}  ${e.action}  ${e.resourceType}/${e.resourceId}`,
        ...describeChange(e.before, e.after).map((line) => `    ${line}`),
      ].join('\n'));
      out(blocks.join('\n'));
      if (page.nextCursor) note('(older events exist: raise --limit or narrow the filter)');
    });
}
