import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { path } from '../client.js';
import { contextOf } from '../context.js';
import { UsageError } from '../errors.js';
import { details, out, printJson, when } from '../output.js';
import { name, nonEmpty } from '../parse.js';

/** The run specification as the server stores it (packages/server/src/runspecs/schema.ts); shown, never checked here. */
interface Analysis {
  windowMs?: number;
  minRequests?: number;
  maxErrorRate?: number;
  maxErrorRateIncrease?: number;
  maxLatencyP99Ms?: number;
  noData?: string;
}

type CanaryStep = { setWeight: number } | { pause: { durationMs?: number } } | { analysis: Analysis };

export interface RunSpec {
  port: number;
  artifact: { url?: string; fetchCommand?: string; unpack?: string };
  command: string | string[];
  env?: Record<string, string>;
  secrets?: string[];
  instances?: number;
  health?: { path?: string; intervalMs?: number; timeoutMs?: number; healthyThreshold?: number; unhealthyThreshold?: number };
  startTimeoutMs?: number;
  stopTimeoutMs?: number;
  blueGreen?: { keepWarmMs?: number };
  canary?: { steps: CanaryStep[] };
  rolling?: { maxSurge?: number; maxUnavailable?: number };
  analysis?: Analysis;
  verify?: { command: string; timeoutMs?: number };
  scripts?: { deploy: string; verify?: string; switch?: string; rollback?: string; timeoutMs?: number };
}

interface StoredRunSpec {
  service: string;
  revision: number;
  spec: RunSpec;
  createdAt: string;
  createdBy: string;
}

const ms = (n: number | undefined) => (n === undefined ? undefined : n >= 1000 && n % 100 === 0 ? `${n / 1000} s` : `${n} ms`);
const percent = (n: number | undefined) => (n === undefined ? undefined : `${Math.round(n * 100_000) / 1000} %`);
const joined = (parts: (string | undefined | false)[]) => parts.filter((p): p is string => typeof p === 'string' && p !== '').join(', ');

/** `["node","app.mjs"]` as a shell would read it; a string command runs through the shell as it is. */
function commandLine(command: string | string[]): string {
  if (typeof command === 'string') return `${command}  (through the shell)`;
  return command.map((a) => (/^[A-Za-z0-9_./:=@%+-]+$/.test(a) ? a : `'${a.replaceAll("'", "'\\''")}'`)).join(' ');
}

function analysisText(a: Analysis): string {
  return joined([
    a.windowMs !== undefined && `window ${ms(a.windowMs)}`,
    a.minRequests !== undefined && `at least ${a.minRequests} requests`,
    a.maxErrorRate !== undefined && `error rate ≤ ${percent(a.maxErrorRate)}`,
    a.maxErrorRateIncrease !== undefined && `≤ ${percent(a.maxErrorRateIncrease)} above stable`,
    a.maxLatencyP99Ms !== undefined && `p99 ≤ ${a.maxLatencyP99Ms} ms`,
    a.noData !== undefined && `no data: ${a.noData}`,
  ]) || 'defaults';
}

function canaryText(steps: CanaryStep[]): string {
  return steps.map((s) => {
    if ('setWeight' in s) return `${s.setWeight} %`;
    if ('pause' in s) return s.pause.durationMs !== undefined ? `pause ${ms(s.pause.durationMs)}` : 'pause until promoted';
    return `analysis (${analysisText(s.analysis)})`;
  }).join(' → ');
}

/** The spec for people: one line per setting it has. */
export function describeRunSpec(spec: RunSpec): [string, string | number | undefined][] {
  const h = spec.health;
  const s = spec.scripts;
  return [
    ['port', spec.port],
    ['artifact', spec.artifact.url ?? (spec.artifact.fetchCommand !== undefined ? `fetched by: ${spec.artifact.fetchCommand}` : undefined)],
    ['unpack', spec.artifact.unpack],
    ['command', commandLine(spec.command)],
    ['env', spec.env && Object.keys(spec.env).length > 0 ? Object.entries(spec.env).map(([k, v]) => `${k}=${v}`).join('\n') : undefined],
    ['secrets', spec.secrets && spec.secrets.length > 0 ? spec.secrets.join(', ') : undefined],
    ['instances', spec.instances],
    ['health', h ? joined([`GET ${h.path ?? '/health'}`, h.intervalMs !== undefined && `every ${ms(h.intervalMs)}`,
      h.timeoutMs !== undefined && `timeout ${ms(h.timeoutMs)}`, h.healthyThreshold !== undefined && `healthy after ${h.healthyThreshold}`,
      h.unhealthyThreshold !== undefined && `unhealthy after ${h.unhealthyThreshold}`]) : undefined],
    ['start timeout', ms(spec.startTimeoutMs)],
    ['stop timeout', ms(spec.stopTimeoutMs)],
    ['verify', spec.verify ? `${spec.verify.command}${spec.verify.timeoutMs !== undefined ? ` (timeout ${ms(spec.verify.timeoutMs)})` : ''}` : undefined],
    ['blue-green', spec.blueGreen?.keepWarmMs !== undefined ? `keep the old version warm for ${ms(spec.blueGreen.keepWarmMs)}` : undefined],
    ['canary', spec.canary ? canaryText(spec.canary.steps) : undefined],
    ['rolling', spec.rolling ? `per batch: ${spec.rolling.maxSurge ?? 1} beside the old version (maxSurge), ${spec.rolling.maxUnavailable ?? 0} in place (maxUnavailable)` : undefined],
    ['analysis', spec.analysis ? analysisText(spec.analysis) : undefined],
    ['scripts', s ? [`deploy: ${s.deploy}`, s.verify && `verify: ${s.verify}`, s.switch && `switch: ${s.switch}`,
      s.rollback && `rollback: ${s.rollback}`, s.timeoutMs !== undefined && `timeout: ${ms(s.timeoutMs)}`].filter(Boolean).join('\n') : undefined],
  ];
}

async function readStdin(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) text += typeof chunk === 'string' ? chunk : (chunk as Buffer).toString('utf8');
  return text;
}

/** The file's JSON (`-`: stdin). What is not JSON is a usage error; the server checks the rest. */
async function readSpec(file: string): Promise<unknown> {
  const source = file === '-' ? 'stdin' : file;
  let text: string;
  try {
    text = file === '-' ? await readStdin() : await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot read ${source}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (error as Error).message}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new UsageError(`${source} is not JSON: ${(error as Error).message}`);
  }
}

export function registerRunSpecs(program: Command): void {
  const runSpec = program.command('run-spec').description('run specifications: how Gantry fetches, runs, health-checks and switches a service (agent and script drivers)');

  runSpec.command('set')
    .description('set a service\'s run specification from a JSON file; every change is a new revision')
    .argument('<service>', 'service', name)
    .requiredOption('--file <file>', 'the specification as JSON, or - for stdin', nonEmpty)
    .action(async (service: string, opts: { file: string }, cmd: Command) => {
      const spec = await readSpec(opts.file);
      const { client, json } = contextOf(cmd);
      const stored = await client.put<StoredRunSpec>(path('services', service, 'run-spec'), spec);
      if (json) return printJson(stored);
      out(`Set the run specification of ${stored.service}: revision ${stored.revision}.`);
    });

  runSpec.command('show')
    .description('show a service\'s current run specification')
    .argument('<service>', 'service', name)
    .action(async (service: string, _opts: unknown, cmd: Command) => {
      const { client, json } = contextOf(cmd);
      const stored = await client.get<StoredRunSpec>(path('services', service, 'run-spec'));
      if (json) return printJson(stored);
      out(details([
        ['service', stored.service],
        ['revision', stored.revision],
        ['set', `${when(stored.createdAt)} by ${stored.createdBy}`],
        ...describeRunSpec(stored.spec),
      ]));
    });
}
