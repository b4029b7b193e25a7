import { createInterface } from 'node:readline';
import { Option, type Command } from 'commander';
import { path, type Client } from '../client.js';
import { contextOf } from '../context.js';
import { UsageError } from '../errors.js';
import { details, note, out, printJson, relativeTime, table, when } from '../output.js';
import { name, nonEmpty, positiveInteger } from '../parse.js';
import { isTerminal } from './wait.js';
import { deploymentStates, type Deployment, type LogLine } from '@gantry/server';
export { deploymentStates, type Deployment, type LogLine };

/** The states a CI job (the external driver) may report. */
export const reportableStates = ['running', 'verifying', 'succeeded', 'failed', 'rolled-back'] as const;
const logLevels = ['debug', 'info', 'warn', 'error'] as const;
const maxLineLength = 4000;
const linesPerRequest = 1000;


const deploymentId = (value: string) => positiveInteger(value);
const describe = (d: Deployment) => `${d.service}@${d.version} → ${d.environment}`;

/** The plan's steps, one a line: ✓ done, → current, ✗ where it failed; undefined without a plan. */
export function planLines(d: Deployment): string | undefined {
  const p = d.progress;
  if (!p || p.steps.length === 0) return undefined;
  const failed = d.state === 'failed' || d.state === 'rolled-back';
  return p.steps.map((text, i) => {
    const mark = i < p.step ? '✓' : i > p.step ? ' ' : failed ? '✗' : isTerminal(d.state) ? '✓' : '→';
    return `${mark} ${i + 1}. ${text}${i === p.step && !isTerminal(d.state) ? '  (current)' : ''}`;
  }).join('\n');
}

/** Analysis results, oldest first: `step 3: pass: error rate … (2m ago)`. */
export function analysisLines(d: Deployment): string | undefined {
  if (!d.analysis || d.analysis.length === 0) return undefined;
  return d.analysis.map((a) => `${a.step !== undefined ? `step ${a.step + 1}: ` : ''}${a.verdict}: ${a.reason}${a.at ? ` (${relativeTime(a.at)})` : ''}`).join('\n');
}
const formatLine = (l: LogLine) => `${l.at.replace(/\.\d+Z$/, 'Z')}  ${l.level.padEnd(5)}  ${l.message}`;

/** Every log line after `after`, page by page. */
async function logsAfter(client: Client, id: number, after: number): Promise<LogLine[]> {
  const all: LogLine[] = [];
  for (;;) {
    const { items } = await client.get<{ items: LogLine[] }>(path('deployments', id, 'logs'), { after, limit: 5000 });
    all.push(...items);
    if (items.length < 5000) return all;
    after = items[items.length - 1]!.id;
  }
}

async function follow(client: Client, id: number, json: boolean, pollMs = 1000): Promise<void> {
  let after = 0;
  for (;;) {
    // Read the state before the lines: once it is terminal, the lines read after it are the last ones.
    const { state } = await client.get<Deployment>(path('deployments', id));
    const lines = await logsAfter(client, id, after);
    for (const line of lines) {
      if (json) out(JSON.stringify(line));
      else out(formatLine(line));
      after = line.id;
    }
    if (isTerminal(state)) {
      if (!json) note(`deployment ${id} ${state}`);
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

async function readStdinLines(): Promise<string[]> {
  const lines: string[] = [];
  for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) lines.push(line);
  return lines;
}

export function registerDeployments(program: Command): void {
  const deployment = program.command('deployment').description('deployments: history, progress reports, logs, approvals, and promoting or aborting those Gantry performs');

  deployment.command('report')
    .description('report progress or the outcome of a deployment your CI performs (the external driver)')
    .argument('<id>', 'deployment id', deploymentId)
    .addOption(new Option('--state <state>', 'the state it reached').choices(reportableStates).makeOptionMandatory())
    .option('--message <text>', 'a sentence for people, kept with the deployment and in its log', nonEmpty)
    .action(async (id: number, opts: { state: string; message?: string }, cmd: Command) => {
      const { client, json } = contextOf(cmd);
      const d = await client.post<Deployment>(path('deployments', id, 'report'), { state: opts.state, ...(opts.message !== undefined ? { message: opts.message } : {}) });
      if (json) return printJson(d);
      out(`Deployment ${d.id} (${d.service}@${d.version} → ${d.environment}) is now ${d.state}.`);
    });

  deployment.command('list')
    .description('deployment history, newest first')
    .option('--service <service>', 'only this service', name)
    .option('--env <env>', 'only this environment', name)
    .addOption(new Option('--state <state>', 'only deployments in this state').choices(deploymentStates))
    .option('--limit <n>', 'at most this many (default 20)', positiveInteger)
    .action(async (opts: { service?: string; env?: string; state?: string; limit?: number }, cmd: Command) => {
      const { client, json } = contextOf(cmd);
      const page = await client.collect<Deployment>('/deployments', { service: opts.service, environment: opts.env, state: opts.state }, opts.limit ?? 20);
      if (json) return printJson(page);
      if (page.items.length === 0) return note('No deployments match.');
      out(table(['ID', 'SERVICE', 'VERSION', 'ENVIRONMENT', 'STATE', 'KIND', 'REQUESTED BY', 'CREATED'], page.items.map((d) => [
        d.id, d.service, d.version, d.environment, d.state, d.kind, d.requestedBy, relativeTime(d.createdAt),
      ])));
      if (page.nextCursor) note('(older deployments exist: raise --limit)');
    });

  deployment.command('show')
    .description('show one deployment')
    .argument('<id>', 'deployment id', deploymentId)
    .action(async (id: number, _opts: unknown, cmd: Command) => {
      const { client, json } = contextOf(cmd);
      const d = await client.get<Deployment>(path('deployments', id));
      if (json) return printJson(d);
      out(details([
        ['deployment', d.id],
        ['artifact', `${d.service}@${d.version}`],
        ['environment', d.environment],
        ['state', d.state],
        ['kind', d.kind === 'rollback' ? `rollback${d.rollbackOf !== null ? ` (replacing deployment ${d.rollbackOf})` : ''}` : 'deploy'],
        ['strategy', `${d.strategy} (${d.driver} driver)`],
        ['previous version', d.previousVersion],
        ['reason', d.reason],
        ['freeze override', d.overrideReason],
        ['message', d.message],
        ['requested', `${when(d.createdAt)} by ${d.requestedBy}`],
        ['approved by', d.approvedBy],
        ['started', when(d.startedAt)],
        ['finished', when(d.finishedAt)],
        ['plan', planLines(d)],
        ['analysis', analysisLines(d)],
      ]));
    });

  deployment.command('logs')
    .description('print a deployment\'s log; --follow keeps printing until it finishes')
    .argument('<id>', 'deployment id', deploymentId)
    .option('-f, --follow', 'poll for new lines until the deployment reaches a terminal state')
    .action(async (id: number, opts: { follow?: boolean }, cmd: Command) => {
      const { client, json } = contextOf(cmd);
      if (opts.follow) return follow(client, id, json);
      const items = await logsAfter(client, id, 0);
      if (json) return printJson({ items });
      for (const line of items) out(formatLine(line));
    });

  deployment.command('log')
    .description('append lines to an unfinished deployment\'s log (each MESSAGE is a line; `-` reads lines from stdin)')
    .argument('<id>', 'deployment id', deploymentId)
    .argument('<message...>', 'the lines, or - for stdin')
    .addOption(new Option('--level <level>', 'level of every line').choices(logLevels).default('info'))
    .action(async (id: number, messages: string[], opts: { level: string }, cmd: Command) => {
      const lines: string[] = [];
      for (const m of messages) {
        if (m === '-') lines.push(...(await readStdinLines()).map((l) => (l.length > maxLineLength ? `${l.slice(0, maxLineLength - 1)}…` : l)));
        else if (m.length > maxLineLength) throw new UsageError(`a log line has at most ${maxLineLength} characters; one has ${m.length}`);
        else lines.push(m);
      }
      const kept = lines.filter((l) => l.trim() !== '');
      if (kept.length === 0) throw new UsageError('no log lines to append (empty messages are skipped)');
      const { client, json } = contextOf(cmd);
      for (let i = 0; i < kept.length; i += linesPerRequest) {
        await client.post(path('deployments', id, 'logs'), { lines: kept.slice(i, i + linesPerRequest).map((message) => ({ message, level: opts.level })) });
      }
      if (json) return printJson({ deploymentId: id, appended: kept.length });
      note(`Appended ${kept.length} line${kept.length === 1 ? '' : 's'} to deployment ${id}'s log.`);
    });

  deployment.command('promote')
    .description('end the pause a deployment Gantry runs is waiting at (a canary step `pause: {}`)')
    .argument('<id>', 'deployment id', deploymentId)
    .action(async (id: number, _opts: unknown, cmd: Command) => {
      const { client, json } = contextOf(cmd);
      const d = await client.post<Deployment>(path('deployments', id, 'promote'), {});
      if (json) return printJson(d);
      const at = d.progress && d.progress.step < d.progress.steps.length ? ` at step ${d.progress.step + 1}/${d.progress.steps.length} (${d.progress.steps[d.progress.step]})` : '';
      out(`Promoted deployment ${d.id} (${describe(d)})${at}; it goes on with the next step.`);
    });

  deployment.command('abort')
    .description('stop a deployment Gantry runs and roll it back to the version before it')
    .argument('<id>', 'deployment id', deploymentId)
    .requiredOption('--reason <text>', 'why; kept in its log, its final message and the audit trail', nonEmpty)
    .action(async (id: number, opts: { reason: string }, cmd: Command) => {
      const { client, json } = contextOf(cmd);
      const d = await client.post<Deployment>(path('deployments', id, 'abort'), { reason: opts.reason });
      if (json) return printJson(d);
      const to = d.previousVersion ? ` to ${d.previousVersion}` : '';
      out(`Aborting deployment ${d.id} (${describe(d)}): Gantry rolls it back${to}.`);
      note(`follow it with: gantry deployment logs ${d.id} --follow`);
    });

  deployment.command('approve')
    .description('approve a deployment waiting in a protected environment (never by its requester)')
    .argument('<id>', 'deployment id', deploymentId)
    .option('--comment <text>', 'kept in its log and the audit trail', nonEmpty)
    .action(async (id: number, opts: { comment?: string }, cmd: Command) => {
      const { client, json } = contextOf(cmd);
      const d = await client.post<Deployment>(path('deployments', id, 'approve'), opts.comment !== undefined ? { comment: opts.comment } : {});
      if (json) return printJson(d);
      out(`Approved deployment ${d.id} (${d.service}@${d.version} → ${d.environment}); it is now ${d.state}.`);
    });

  deployment.command('reject')
    .description('reject a deployment waiting for approval')
    .argument('<id>', 'deployment id', deploymentId)
    .requiredOption('--comment <text>', 'why; kept in its log and the audit trail', nonEmpty)
    .action(async (id: number, opts: { comment: string }, cmd: Command) => {
      const { client, json } = contextOf(cmd);
      const d = await client.post<Deployment>(path('deployments', id, 'reject'), { comment: opts.comment });
      if (json) return printJson(d);
      out(`Rejected deployment ${d.id} (${d.service}@${d.version} → ${d.environment}); it is now ${d.state}.`);
    });
}
