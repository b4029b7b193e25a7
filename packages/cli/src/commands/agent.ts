import { createAgent, type AgentError } from '@gantry/agent';
import type { Command } from 'commander';
import { defaultUrl } from '../context.js';
import { readCliEnvironment } from '../env.js';
import { Failure, UsageError } from '../errors.js';
import { note, out, printJson } from '../output.js';
import { name } from '../parse.js';

interface AgentOptions {
  server?: string;
  name: string;
  env?: string;
  stateDir?: string;
  host?: string;
}

interface GlobalOptions {
  url?: string;
  token?: string;
  json?: boolean;
}

const stopSignals = ['SIGINT', 'SIGTERM'] as const;
const defaultStateDir = '.gantry-agent';

/** `--server`, else `--url` / GANTRY_URL, else the default; http(s) only. */
function serverUrl(opts: AgentOptions, globals: GlobalOptions): string {
  const server = opts.server ?? globals.url ?? readCliEnvironment().url ?? defaultUrl;
  let parsed: URL;
  try {
    parsed = new URL(server);
  } catch {
    throw new UsageError(`--server must be a URL; got "${server}"`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new UsageError(`--server must start with http:// or https://; got "${server}"`);
  return server.replace(/\/+$/, '');
}

async function runAgent(opts: AgentOptions, cmd: Command): Promise<void> {
  const globals = cmd.optsWithGlobals<GlobalOptions>();
  const server = serverUrl(opts, globals);
  const token = globals.token ?? readCliEnvironment().token;
  if (!token) throw new UsageError('an agent token is required: pass --token or set GANTRY_TOKEN (create one with gantry token create --scope agent:ENV)');
  const host = opts.host ?? '127.0.0.1';
  if (!/^[A-Za-z0-9.:[\]-]{1,255}$/.test(host)) throw new UsageError(`--host must be a hostname or IP address; got "${host}"`);
  const stateDir = opts.stateDir ?? defaultStateDir;
  if (stateDir.trim() === '') throw new UsageError('--state-dir must not be empty');

  const agent = createAgent({
    server,
    token,
    name: opts.name,
    environment: opts.env,
    stateDir,
    host,
    log: ({ level, message }) => note(`gantry agent: ${level === 'info' ? '' : `${level}: `}${message}`),
  });

  let announced = false;
  agent.on('registered', (registration) => {
    if (announced) return;
    announced = true;
    if (globals.json) printJson({ id: registration.id, name: registration.name, environment: registration.environment, server });
    else out(`Gantry agent ${opts.name} connected to ${server}`);
  });
  let refuse: (error: AgentError) => void = () => {};
  const refused = new Promise<AgentError>((resolve) => (refuse = resolve));
  agent.on('fatal', (error) => refuse(error));

  // Listen for signals before starting, so that one during the restore still stops cleanly.
  let requested: NodeJS.Signals | undefined;
  let wake: (signal: NodeJS.Signals) => void = () => {};
  const stopRequested = new Promise<NodeJS.Signals>((resolve) => (wake = resolve));
  const onSignal = (signal: NodeJS.Signals) => {
    if (requested) {
      note(`gantry agent: ${signal} again; exiting without waiting for a clean stop`);
      process.exit(1);
    }
    requested = signal;
    wake(signal);
  };
  for (const signal of stopSignals) process.on(signal, onSignal);

  try {
    await agent.start();
  } catch (error) {
    await agent.stop({ keepProcesses: true }).catch(() => {});
    for (const signal of stopSignals) process.off(signal, onSignal);
    throw new Failure(`the agent could not start: ${error instanceof Error ? error.message : String(error)}`);
  }

  const outcome = await Promise.race([stopRequested.then((signal) => ({ signal })), refused.then((error) => ({ error }))]);
  if ('error' in outcome) {
    // Processes keep running for the next agent run to adopt; only this agent and its routers end.
    await agent.stop({ keepProcesses: true });
    for (const signal of stopSignals) process.off(signal, onSignal);
    throw new Failure(`${outcome.error.message} (${outcome.error.code})`);
  }
  note(`gantry agent: ${outcome.signal} received; stopping`);
  await agent.stop();
  setTimeout(() => process.exit(process.exitCode ?? 0), 2000).unref();
}

/**
 * `gantry agent` runs on each host that runs services: it registers with the server, pulls the
 * host's desired state, runs the versions behind one traffic router per service, and reports.
 */
export function registerAgent(program: Command): void {
  program.command('agent')
    .description('run the host agent: pulls the desired state of this host from the server, runs versions behind per-service traffic routers, reports status and logs')
    .option('--server <url>', 'the Gantry server (default: --url / GANTRY_URL); the token comes from --token / GANTRY_TOKEN')
    .requiredOption('--name <name>', 'this host\'s name, as the server shows it', name)
    .option('--env <env>', 'the environment this host belongs to; the agent stops if its token is for another one', name)
    .option('--state-dir <dir>', `where the agent keeps its id, desired state, artifacts and process records (default ${defaultStateDir})`)
    .option('--host <host>', 'address the service routers listen on (default 127.0.0.1; 0.0.0.0 to serve other hosts)')
    .action(runAgent);
}
