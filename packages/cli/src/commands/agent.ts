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
 * `gantry agent` runs on each host that runs services. Its flags are DESIGN.md's; the host agent
 * itself (pulling work, supervising versions, the traffic router) lives in @gantry/agent, which so
 * far ships only the traffic router, so the verb checks its input and says it is not available yet.
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
      throw new Failure('gantry agent is not available yet: this build of @gantry/agent has the traffic router but not the host agent that pulls deployment work');
    });
}
