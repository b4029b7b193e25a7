import type { Command } from 'commander';
import { contextOf } from '../context.js';
import { Failure, UsageError } from '../errors.js';
import { name } from '../parse.js';

interface AgentOptions {
  server?: string;
  name: string;
  env: string;
}

/**
 * `gantry agent` runs on each host that runs services. Its flags are DESIGN.md's. @gantry/agent has
 * the parts (traffic router, process supervisor, health checks) but not yet the loop that pulls a
 * host's deployment work from the server, and the server has no agent API yet; until both exist
 * the verb checks its input and says it is not available.
 */
export function registerAgent(program: Command): void {
  program.command('agent')
    .description('run the host agent: pulls deployment work for one environment, supervises versions, routes traffic (not available yet)')
    .option('--server <url>', 'the Gantry server (default: --url / GANTRY_URL)')
    .requiredOption('--name <name>', 'this host\'s name, as the server shows it', name)
    .requiredOption('--env <env>', 'the environment this host belongs to', name)
    .action(async (opts: AgentOptions, cmd: Command) => {
      if (opts.server !== undefined) {
        try {
          new URL(opts.server);
        } catch {
          throw new UsageError(`--server must be a URL; got "${opts.server}"`);
        }
      }
      contextOf(cmd);
      throw new Failure('gantry agent is not available yet: @gantry/agent has the router, supervisor and health checks, but not the loop that pulls deployment work from the server');
    });
}
