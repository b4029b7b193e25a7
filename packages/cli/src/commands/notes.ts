import type { Command } from 'commander';
import { path } from '../client.js';
import { contextOf } from '../context.js';
import { out, printJson } from '../output.js';
import { name, version } from '../parse.js';

interface Notes {
  service: string;
  from: string | null;
  to: string;
  markdown: string;
  versions: { version: string; createdAt: string; commit: string | null; changes: string[] }[];
}

export function registerNotes(program: Command): void {
  program.command('notes')
    .description('release notes: the change entries between two versions of a service, as Markdown')
    .argument('<service>', 'service', name)
    .option('--from <version>', 'start after this version (exclusive; default: the first)', version)
    .option('--to <version>', 'end at this version (inclusive; default: the newest)', version)
    .action(async (service: string, opts: { from?: string; to?: string }, cmd: Command) => {
      const { client, json } = contextOf(cmd);
      const notes = await client.get<Notes>(path('services', service, 'notes'), { from: opts.from, to: opts.to, format: 'json' });
      if (json) return printJson(notes);
      out(notes.markdown);
    });
}
