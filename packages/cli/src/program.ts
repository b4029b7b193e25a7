import { createRequire } from 'node:module';
import { Command, CommanderError } from 'commander';
import { registerAgent } from './commands/agent.js';
import { registerAgents } from './commands/agents.js';
import { registerArtifacts } from './commands/artifacts.js';
import { registerAudit } from './commands/audit.js';
import { registerDeploy } from './commands/deploy.js';
import { registerDeployments } from './commands/deployments.js';
import { registerEnvironments } from './commands/environments.js';
import { registerFeatures } from './commands/features.js';
import { registerMatrix } from './commands/matrix.js';
import { registerNotes } from './commands/notes.js';
import { registerReleases } from './commands/releases.js';
import { registerRunSpecs } from './commands/runspecs.js';
import { registerSegments } from './commands/segments.js';
import { registerServe } from './commands/serve.js';
import { registerServices } from './commands/services.js';
import { registerTokens } from './commands/tokens.js';
import { defaultUrl } from './context.js';
import { readCliEnvironment } from './env.js';
import { ApiError, exitCodes, Failure, NetworkError, UsageError } from './errors.js';
import { note, printJson } from './output.js';

const { version } = createRequire(import.meta.url)('../package.json') as { version: string };

/** Hints the server cannot give, because they name CLI flags. */
const hints: Record<string, string> = {
  deployment_in_progress: 'add --queue to run after the active deployment',
  environment_frozen: 'add --override-freeze REASON to deploy anyway; the override is audited',
  feature_not_found: 'create it with gantry feature create KEY, or check gantry feature list',
  segment_not_found: 'segments belong to one environment: gantry segment list ENV',
};

export function buildProgram(): Command {
  const program = new Command('gantry')
    .description('Gantry keeps deployment apart from release. Deploy artifacts, follow them through environments, release features to users, read the audit trail.')
    .version(version, '-V, --version')
    .option('--url <url>', `the Gantry server (env GANTRY_URL; default ${defaultUrl})`)
    .option('--token <token>', 'bearer token (env GANTRY_TOKEN)')
    .option('--json', 'print the API\'s JSON on stdout and nothing else')
    .exitOverride()
    .showHelpAfterError('(add --help for usage)')
    .configureHelp({ showGlobalOptions: true, sortSubcommands: false })
    .configureOutput({
      writeOut: (text) => process.stdout.write(text),
      writeErr: (text) => process.stderr.write(text),
    });
  registerServe(program);
  registerAgent(program);
  registerServices(program);
  registerEnvironments(program);
  registerArtifacts(program);
  registerDeploy(program);
  registerDeployments(program);
  registerRunSpecs(program);
  registerAgents(program);
  registerMatrix(program);
  registerNotes(program);
  registerFeatures(program);
  registerReleases(program);
  registerSegments(program);
  registerTokens(program);
  registerAudit(program);
  return program;
}

/** Runs one command line and returns the exit code: 0 success, 1 failure, 2 usage error. */
export async function run(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return exitCodes.ok;
  } catch (error) {
    return report(error, program.opts<{ json?: boolean; token?: string }>());
  }
}

function report(error: unknown, globals: { json?: boolean; token?: string }): number {
  if (error instanceof CommanderError) {
    // Commander has printed its message already (help, version, or what was wrong).
    return error.exitCode === 0 ? exitCodes.ok : exitCodes.usage;
  }
  if (error instanceof UsageError) {
    note(`error: ${error.message}`);
    note('(add --help for usage)');
    return exitCodes.usage;
  }
  if (error instanceof ApiError) {
    if (globals.json) printJson(error.problem);
    note(`error: ${error.detail} (${error.code})`);
    const noToken = globals.token === undefined && readCliEnvironment().token === undefined;
    const hint = error.code === 'unauthorized' && noToken ? 'set GANTRY_TOKEN or pass --token' : hints[error.code];
    if (hint) note(`hint: ${hint}`);
    return exitCodes.failure;
  }
  if (error instanceof NetworkError || error instanceof Failure) {
    note(`error: ${error.message}`);
    return exitCodes.failure;
  }
  note(`error: ${error instanceof Error ? error.message : String(error)}`);
  return exitCodes.failure;
}
