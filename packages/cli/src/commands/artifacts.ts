import type { Command } from 'commander';
import { path } from '../client.js';
import { contextOf } from '../context.js';
import { UsageError } from '../errors.js';
import { details, note, out, printJson, relativeTime, shortDigest, table, when } from '../output.js';
import { collect, digest, keyValue, label, name, nonEmpty, positiveInteger, version } from '../parse.js';
import type { Artifact } from '@gantry/server';
export type { Artifact };

interface Build {
  id: string;
  url: string | null;
  createdAt: string;
  artifacts: Artifact[];
}

interface RegisterOptions {
  digest: string;
  commit?: string;
  repository?: string;
  buildId?: string;
  buildUrl?: string;
  change?: string[];
  metadata?: Record<string, string>;
}

const labelsOf = (a: Artifact) => a.labels.map((l) => l.label).join(', ');

/** Where the source is: `repository @ commit`, whichever of the two is known. */
function source(a: Artifact): string {
  const { repository, commit } = a.provenance;
  return [repository, commit ? `@ ${commit.slice(0, 12)}` : null].filter(Boolean).join(' ');
}

function httpUrl(value: string, option: string): string {
  try {
    const url = new URL(value);
    if (url.protocol === 'http:' || url.protocol === 'https:') return value;
  } catch {
    // reported below
  }
  throw new UsageError(`${option} must be an http(s) URL; got "${value}"`);
}

export function registerArtifacts(program: Command): void {
  const artifact = program.command('artifact').description('artifacts: immutable build outputs of a service, with provenance and labels');

  artifact.command('register')
    .description('record an artifact (idempotent for the same digest; another digest for the same version is refused)')
    .argument('<service>', 'service', name)
    .argument('<version>', 'semver, date stamp, commit hash or counter', version)
    .requiredOption('--digest <digest>', 'content digest, e.g. sha256:<64 hex digits>', digest)
    .option('--commit <sha>', 'source commit')
    .option('--repository <url>', 'source repository')
    .option('--build-id <id>', 'the CI run that built it; several artifacts may share one')
    .option('--build-url <url>', 'link to the CI run')
    .option('--change <text>', 'a change entry for the release notes (repeatable)', collect)
    .option('--metadata <key=value>', 'free metadata (repeatable)', keyValue)
    .action(async (service: string, ver: string, opts: RegisterOptions, cmd: Command) => {
      if (opts.buildUrl !== undefined) httpUrl(opts.buildUrl, '--build-url');
      if (opts.commit !== undefined && !/^[A-Za-z0-9._/-]{1,128}$/.test(opts.commit)) throw new UsageError(`--commit must be a commit id or ref (letters, digits, . _ / -); got "${opts.commit}"`);
      if (opts.buildId !== undefined && !/^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$/.test(opts.buildId)) throw new UsageError(`--build-id must be letters, digits and . _ : / - (at most 128); got "${opts.buildId}"`);
      const { client, json } = contextOf(cmd);
      const body = {
        version: ver, digest: opts.digest,
        ...(opts.commit !== undefined ? { commit: opts.commit } : {}),
        ...(opts.repository !== undefined ? { repository: opts.repository } : {}),
        ...(opts.buildId !== undefined ? { buildId: opts.buildId } : {}),
        ...(opts.buildUrl !== undefined ? { buildUrl: opts.buildUrl } : {}),
        ...(opts.change?.length ? { changes: opts.change } : {}),
        ...(opts.metadata ? { metadata: opts.metadata } : {}),
      };
      const registered = await client.post<Artifact>(path('services', service, 'artifacts'), body);
      const created = client.lastStatus() === 201;
      if (json) return printJson(registered);
      if (created) out(`Registered ${registered.service}@${registered.version} (${shortDigest(registered.digest)}).`);
      else out(`${registered.service}@${registered.version} is already registered with this digest; nothing changed.`);
    });

  artifact.command('label')
    .description('label an artifact (candidate, stable, or your own); labelling records promotion')
    .argument('<service>', 'service', name)
    .argument('<version>', 'version', version)
    .argument('<label>', 'e.g. candidate or stable', label)
    .option('--remove', 'remove the label instead')
    .action(async (service: string, ver: string, lbl: string, opts: { remove?: boolean }, cmd: Command) => {
      const { client, json } = contextOf(cmd);
      const route = path('services', service, 'artifacts', ver, 'labels', lbl);
      const result = opts.remove ? await client.delete<Artifact>(route) : await client.put<Artifact>(route);
      if (json) return printJson(result);
      out(`${opts.remove ? 'Removed label' : 'Labelled'} ${result.service}@${result.version} ${lbl}; labels now: ${labelsOf(result) || 'none'}.`);
    });

  artifact.command('list')
    .description('list a service\'s artifacts, newest version first')
    .argument('<service>', 'service', name)
    .option('--label <label>', 'only artifacts with this label', label)
    .option('--limit <n>', 'at most this many (default 50)', positiveInteger)
    .action(async (service: string, opts: { label?: string; limit?: number }, cmd: Command) => {
      const { client, json } = contextOf(cmd);
      const page = await client.collect<Artifact>(path('services', service, 'artifacts'), { label: opts.label }, opts.limit ?? 50);
      if (json) return printJson(page);
      if (page.items.length === 0) return note(`No artifacts${opts.label ? ` labelled ${opts.label}` : ''} for ${service}.`);
      out(table(['VERSION', 'DIGEST', 'LABELS', 'SOURCE', 'BUILD', 'CREATED'], page.items.map((a) => [
        a.version, shortDigest(a.digest), labelsOf(a), source(a), a.provenance.buildId, relativeTime(a.createdAt),
      ])));
      if (page.nextCursor) note('(more artifacts exist: raise --limit)');
    });

  artifact.command('show')
    .description('show an artifact: digest, provenance, labels, change entries, metadata')
    .argument('<service>', 'service', name)
    .argument('<version>', 'version', version)
    .action(async (service: string, ver: string, _opts: unknown, cmd: Command) => {
      const { client, json } = contextOf(cmd);
      const a = await client.get<Artifact>(path('services', service, 'artifacts', ver));
      if (json) return printJson(a);
      out(details([
        ['artifact', `${a.service}@${a.version}`],
        ['digest', a.digest],
        ['repository', a.provenance.repository],
        ['commit', a.provenance.commit],
        ['build', a.provenance.buildId],
        ['build url', a.provenance.buildUrl],
        ['labels', a.labels.map((l) => `${l.label} (${relativeTime(l.at)} by ${l.by})`).join('\n') || 'none'],
        ['registered', `${when(a.createdAt)} by ${a.createdBy}`],
        ['metadata', Object.entries(a.metadata).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join('\n')],
        ['changes', a.changes.map((c) => `- ${c}`).join('\n') || '(none recorded)'],
      ]));
    });

  program.command('build')
    .description('builds: the artifacts one CI run produced')
    .command('show')
    .description('list every artifact of a build with its digest and source')
    .argument('<build-id>', 'the --build-id given at registration', nonEmpty)
    .action(async (buildId: string, _opts: unknown, cmd: Command) => {
      const { client, json } = contextOf(cmd);
      const build = await client.get<Build>(path('builds', buildId));
      if (json) return printJson(build);
      out(`Build ${build.id}${build.url ? ` (${build.url})` : ''}, ${relativeTime(build.createdAt)}: ${build.artifacts.length} artifact${build.artifacts.length === 1 ? '' : 's'}`);
      out(table(['SERVICE', 'VERSION', 'DIGEST', 'COMMIT', 'REPOSITORY', 'LABELS'], build.artifacts.map((a) => [
        a.service, a.version, a.digest, a.provenance.commit, a.provenance.repository, labelsOf(a),
      ])));
    });
}
