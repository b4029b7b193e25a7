import { FEATURE_KIND_LIFETIMES, FEATURE_KINDS, FEATURE_TYPES, type FeatureKind, type FeatureType } from '@gantry/core';
import { Option, type Command } from 'commander';
import { path } from '../client.js';
import { contextOf } from '../context.js';
import { UsageError } from '../errors.js';
import { details, note, out, plural, printJson, relativeTime, table, when } from '../output.js';
import { name, nonEmpty, positiveInteger } from '../parse.js';
import { describeClause, describeServe, featureKey, variationIndex, variationName, variationOption, variationValue } from '../targeting.js';
import type { Feature, FeatureConfig } from '@gantry/server';
export type { Feature, FeatureConfig };

const dayMs = 86_400_000;

/** `stale (55d old, release features live 40d)` when a feature outlived its kind's expected lifetime. */
export function staleness(f: Pick<Feature, 'kind' | 'createdAt'>, now = Date.now()): string | undefined {
  const days = FEATURE_KIND_LIFETIMES[f.kind]?.days;
  if (days === null || days === undefined) return undefined;
  const age = Math.floor((now - new Date(f.createdAt).getTime()) / dayMs);
  return age > days ? `stale (${age}d old, ${f.kind} features live ${days}d)` : undefined;
}

function lifetime(kind: FeatureKind): string {
  const days = FEATURE_KIND_LIFETIMES[kind]?.days;
  return days === null || days === undefined ? 'permanent' : `expected to live ${days} days`;
}

const show = (value: unknown) => JSON.stringify(value);

function variationsTable(f: Feature): string {
  return table(['#', 'VARIATION', 'VALUE', 'SERVED'], f.variations.map((v, i) => [
    i, v.key, show(v.value), i === f.onVariation ? 'when on' : i === f.offVariation ? 'when off' : '',
  ]));
}

function environmentsTable(f: Feature): string {
  return table(['ENVIRONMENT', 'ON', 'WHO SEES IT', 'REVISION'], Object.entries(f.environments).map(([env, e]) => [env, e.on ? 'yes' : 'no', e.audience, e.revision]));
}

/** The configuration in one environment, in words: targets, rules in order, the fallthrough, prerequisites. */
function describeConfig(f: Feature, c: FeatureConfig, etag: string | null): string {
  const { config } = c;
  const targets = (config.targets ?? []).map((t) => `${variationName(f.variations, t.variation)}: ${t.values.join(', ')}`);
  const rules = (config.rules ?? []).map((r, i) => `${i + 1}. ${r.clauses.map(describeClause).join(' and ') || 'everyone'} → ${describeServe(r.serve, f.variations)}${r.id ? `  [${r.id}]` : ''}`);
  const prerequisites = (config.prerequisites ?? []).map((p) => `${p.feature} serves variation ${p.variation}`);
  return details([
    ['environment', c.environment],
    ['on', config.on ? 'yes' : `no: everyone gets ${variationName(f.variations, config.offVariation)}`],
    ['who sees it', c.audience],
    ['targets', targets.length ? targets.join('\n') : 'none'],
    ['rules', rules.length ? rules.join('\n') : 'none'],
    ['otherwise', describeServe(config.fallthrough, f.variations)],
    ['prerequisites', prerequisites.length ? prerequisites.join('\n') : 'none'],
    ['revision', `${c.revision}${etag ? ` (ETag ${etag}: send it as If-Match to change this configuration)` : ''}`],
    ['updated', c.updatedAt ? `${when(c.updatedAt)} by ${c.updatedBy}` : 'never (the default configuration)'],
  ]);
}

interface CreateOptions {
  type: FeatureType;
  variation?: { key: string; text: string }[];
  onVariation?: number;
  offVariation?: number;
  kind?: FeatureKind;
  description?: string;
  owner?: string;
}

/** The create body, checked as far as the command line allows: types, counts, on/off indexes. */
export function createBody(key: string, opts: CreateOptions): Record<string, unknown> {
  const given = opts.variation ?? [];
  if (opts.type !== 'boolean' && given.length < 2) {
    throw new UsageError(`a ${opts.type} feature needs at least two --variation KEY=VALUE (e.g. --variation blue=blue --variation green=green)`);
  }
  if (given.length === 1) throw new UsageError('give at least two --variation, or none for a boolean feature (on=true, off=false)');
  const variations = given.map((v) => ({ key: v.key, value: variationValue(opts.type, v.key, v.text) }));
  const count = variations.length || 2;
  const on = opts.onVariation ?? 0;
  // Off defaults to the last variation, or to the first when the last one is served when on.
  const off = opts.offVariation ?? (on === count - 1 ? 0 : count - 1);
  for (const [flag, index] of [['--on-variation', on], ['--off-variation', off]] as const) {
    if (index >= count) throw new UsageError(`${flag} ${index} does not exist: the variations are numbered 0 to ${count - 1}`);
  }
  if (on === off) throw new UsageError(`--on-variation and --off-variation must differ; both are ${on}`);
  return {
    key, type: opts.type,
    ...(variations.length ? { variations } : {}),
    ...(opts.onVariation !== undefined || opts.offVariation !== undefined ? { onVariation: on, offVariation: off } : {}),
    ...(opts.kind !== undefined ? { kind: opts.kind } : {}),
    ...(opts.description !== undefined ? { description: opts.description } : {}),
    ...(opts.owner !== undefined ? { owner: opts.owner } : {}),
  };
}

export function registerFeatures(program: Command): void {
  const feature = program.command('feature').description('features: what can be released, with their variations and who sees them where');

  feature.command('create')
    .description('create a feature; it starts off in every environment')
    .argument('<key>', 'e.g. new-checkout', featureKey)
    .addOption(new Option('--type <type>', 'the type of its values').choices(FEATURE_TYPES).default('boolean'))
    .option('--variation <key=value>', 'a variation, repeatable; the value is JSON (plain text for string features). Booleans need none', variationOption)
    .option('--on-variation <n>', 'index of the variation served when on (default 0)', variationIndex)
    .option('--off-variation <n>', 'index of the variation served when off (default the last, or the first if the last is served when on)', variationIndex)
    .addOption(new Option('--kind <kind>', 'why it exists; sets its expected lifetime (default release)').choices(FEATURE_KINDS))
    .option('--description <text>', 'what it hides or changes')
    .option('--owner <owner>', 'the team or person who removes it, e.g. payments', nonEmpty)
    .action(async (key: string, opts: CreateOptions, cmd: Command) => {
      const body = createBody(key, opts);
      const { client, json } = contextOf(cmd);
      const f = await client.post<Feature>('/features', body);
      if (json) return printJson(f);
      out(`Created ${f.type} feature ${f.key} (${f.kind}, ${lifetime(f.kind)}): off in ${plural(Object.keys(f.environments).length, 'environment')}.`);
      out(variationsTable(f));
      note(`release it with: gantry release ${f.key} --env ENV --on (or --percent N, --segment S)`);
    });

  feature.command('list')
    .description('features with who sees each in every environment, and which outlived their kind\'s lifetime')
    .option('--limit <n>', 'at most this many (default 100)', positiveInteger)
    .action(async (opts: { limit?: number }, cmd: Command) => {
      const { client, json } = contextOf(cmd);
      const page = await client.collect<Feature>('/features', {}, opts.limit ?? 100);
      if (json) return printJson(page);
      if (page.items.length === 0) return note('No features yet: gantry feature create KEY');
      const envs = [...new Set(page.items.flatMap((f) => Object.keys(f.environments)))];
      out(table(['KEY', 'KIND', 'TYPE', ...envs, 'CREATED', 'STALE'], page.items.map((f) => [
        f.key, f.kind, f.type, ...envs.map((e) => f.environments[e]?.audience ?? ''), relativeTime(f.createdAt), staleness(f) ?? '',
      ])));
      const stale = page.items.filter((f) => staleness(f)).length;
      if (stale) note(`${plural(stale, 'feature')} outlived the expected lifetime of ${stale === 1 ? 'its' : 'their'} kind: remove ${stale === 1 ? 'it' : 'them'} from the code, or change the kind.`);
      if (page.nextCursor) note('(more features exist: raise --limit)');
    });

  feature.command('show')
    .description('show a feature: definition, variations and who sees it; with --env, its whole configuration there')
    .argument('<key>', 'feature key', featureKey)
    .option('--env <env>', 'also show the full configuration in this environment, with its revision (ETag)', name)
    .action(async (key: string, opts: { env?: string }, cmd: Command) => {
      const { client, json } = contextOf(cmd);
      const f = await client.get<Feature>(path('features', key));
      const config = opts.env === undefined ? undefined : await client.get<FeatureConfig>(path('features', key, 'environments', opts.env));
      const etag = config ? client.lastEtag() : null;
      if (json) return printJson(config ?? f);
      out(details([
        ['feature', f.key],
        ['description', f.description],
        ['owner', f.owner],
        ['kind', `${f.kind} (${lifetime(f.kind)})${staleness(f) ? `: ${staleness(f)}` : ''}`],
        ['type', f.type],
        ['created', `${when(f.createdAt)} by ${f.createdBy}`],
        ['revision', f.revision],
      ]));
      out();
      out(variationsTable(f));
      out();
      out(config ? describeConfig(f, config, etag) : environmentsTable(f));
    });
}
