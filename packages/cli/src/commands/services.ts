import type { Command } from 'commander';
import { contextOf } from '../context.js';
import { note, out, printJson, relativeTime, table } from '../output.js';
import { name } from '../parse.js';
import type { Service } from '@gantry/server';
export type { Service };

export function registerServices(program: Command): void {
  const service = program.command('service').description('services: things that are built and deployed');

  service.command('create')
    .description('create a service')
    .argument('<name>', 'lower-case letters, digits and dashes, e.g. checkout-api', name)
    .option('--description <text>', 'what it is, for people')
    .action(async (serviceName: string, opts: { description?: string }, cmd: Command) => {
      const { client, json } = contextOf(cmd);
      const created = await client.post<Service>('/services', { name: serviceName, ...(opts.description !== undefined ? { description: opts.description } : {}) });
      if (json) return printJson(created);
      out(`Created service ${created.name}.`);
    });

  service.command('list')
    .description('list services by name')
    .action(async (_opts: unknown, cmd: Command) => {
      const { client, json } = contextOf(cmd);
      const page = await client.collect<Service>('/services', {}, Number.MAX_SAFE_INTEGER);
      if (json) return printJson(page);
      if (page.items.length === 0) return note('No services yet: gantry service create NAME');
      out(table(['NAME', 'DESCRIPTION', 'CREATED'], page.items.map((s) => [s.name, s.description, relativeTime(s.createdAt)])));
    });
}
