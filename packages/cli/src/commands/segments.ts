import type { SegmentRule } from '@gantry/core';
import { InvalidArgumentError, type Command } from 'commander';
import { path } from '../client.js';
import { contextOf } from '../context.js';
import { details, note, out, plural, printJson, relativeTime, table, when } from '../output.js';
import { collect, name } from '../parse.js';
import { describeClause, ruleOption } from '../targeting.js';
import type { Segment } from '@gantry/server';
export type { Segment };

const contextKey = (value: string): string => {
  if (value === '' || value.length > 256) throw new InvalidArgumentError('A context key has 1 to 256 characters.');
  return value;
};

const describeRule = (rule: SegmentRule) => rule.clauses.map(describeClause).join(' and ');

/** `3 keys, 1 excluded, 2 rules` */
function membership(s: Segment): string {
  const parts = [plural(s.included.length, 'key'), ...(s.excluded.length ? [`${s.excluded.length} excluded`] : []), plural(s.rules.length, 'rule')];
  return parts.join(', ');
}

const listOrNone = (values: string[]) => (values.length ? values.join(', ') : 'none');

export function registerSegments(program: Command): void {
  const segment = program.command('segment').description('segments: named groups of users in one environment, to release features to');

  segment.command('create')
    .description('create a segment: keys always in, keys always out, and rules that let others in')
    .argument('<env>', 'the environment it belongs to', name)
    .argument('<key>', 'e.g. beta-testers', name)
    .option('--include <key>', 'a context key (targetingKey) that is always in, repeatable', (v: string, p?: string[]) => collect(contextKey(v), p))
    .option('--exclude <key>', 'a context key that is always out, even when a rule matches, repeatable', (v: string, p?: string[]) => collect(contextKey(v), p))
    .option('--rule <attribute:operator:values>', 'a rule, repeatable; a context matching any rule is in. e.g. country:in:NL,BE or age:gte:18', ruleOption)
    .option('--description <text>', 'who is in it and why')
    .action(async (env: string, key: string, opts: { include?: string[]; exclude?: string[]; rule?: SegmentRule[]; description?: string }, cmd: Command) => {
      const { client, json } = contextOf(cmd);
      const created = await client.post<Segment>(path('environments', env, 'segments'), {
        key,
        ...(opts.description !== undefined ? { description: opts.description } : {}),
        ...(opts.include ? { included: opts.include } : {}),
        ...(opts.exclude ? { excluded: opts.exclude } : {}),
        ...(opts.rule ? { rules: opts.rule } : {}),
      });
      if (json) return printJson(created);
      out(`Created segment ${created.key} in ${created.environment}: ${membership(created)}.`);
      note(`release a feature to it with: gantry release KEY --env ${created.environment} --segment ${created.key}`);
    });

  segment.command('list')
    .description('the segments of one environment')
    .argument('<env>', 'environment', name)
    .action(async (env: string, _opts: unknown, cmd: Command) => {
      const { client, json } = contextOf(cmd);
      const list = await client.get<{ items: Segment[] }>(path('environments', env, 'segments'));
      if (json) return printJson(list);
      if (list.items.length === 0) return note(`No segments in ${env} yet: gantry segment create ${env} KEY`);
      out(table(['KEY', 'INCLUDED', 'EXCLUDED', 'RULES', 'UPDATED', 'DESCRIPTION'], list.items.map((s) => [
        s.key, s.included.length, s.excluded.length, s.rules.map(describeRule).join('\n') || 'none', relativeTime(s.updatedAt), s.description,
      ])));
    });

  segment.command('show')
    .description('show a segment: its keys and rules')
    .argument('<env>', 'environment', name)
    .argument('<key>', 'segment key', name)
    .action(async (env: string, key: string, _opts: unknown, cmd: Command) => {
      const { client, json } = contextOf(cmd);
      const s = await client.get<Segment>(path('environments', env, 'segments', key));
      if (json) return printJson(s);
      out(details([
        ['segment', s.key],
        ['environment', s.environment],
        ['description', s.description],
        ['included', listOrNone(s.included)],
        ['excluded', listOrNone(s.excluded)],
        ['rules', s.rules.length ? s.rules.map((r, i) => `${i + 1}. ${describeRule(r)}`).join('\n') : 'none'],
        ['revision', s.revision],
        ['created', when(s.createdAt)],
        ['updated', when(s.updatedAt)],
      ]));
    });

  segment.command('delete')
    .description('delete a segment that no feature uses')
    .argument('<env>', 'environment', name)
    .argument('<key>', 'segment key', name)
    .action(async (env: string, key: string, _opts: unknown, cmd: Command) => {
      const { client, json } = contextOf(cmd);
      await client.delete(path('environments', env, 'segments', key));
      if (json) return printJson({ environment: env, key, deleted: true });
      out(`Deleted segment ${key} in ${env}.`);
    });
}
