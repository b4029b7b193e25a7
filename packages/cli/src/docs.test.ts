import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from './program.js';

/** docs/cli.md must not drift from the program: every verb has a section naming each of its flags. */
const doc = readFileSync(new URL('../../../docs/cli.md', import.meta.url), 'utf8');

/** Every verb: commands without subcommands, and those that also act on arguments (`release KEY` beside `release cancel ID`). */
function leaves(command: Command, prefix: string[] = []): { path: string; command: Command }[] {
  const subcommands = command.commands.filter((c) => c.name() !== 'help');
  if (subcommands.length === 0) return [{ path: prefix.join(' '), command }];
  const own = prefix.length > 0 && command.registeredArguments.length > 0 ? [{ path: prefix.join(' '), command }] : [];
  return [...own, ...subcommands.flatMap((c) => leaves(c, [...prefix, c.name()]))];
}

function section(path: string): string | undefined {
  const start = doc.indexOf(`### \`gantry ${path}\``);
  if (start < 0) return undefined;
  const end = doc.indexOf('\n#', start + 1);
  return doc.slice(start, end < 0 ? undefined : end);
}

const program = buildProgram();

describe('docs/cli.md', () => {
  it.each(leaves(program).map((l) => [l.path, l.command] as const))('documents gantry %s and its flags', (path, command) => {
    const text = section(path);
    expect(text, `a "### \`gantry ${path}\`" section`).toBeDefined();
    for (const option of command.options) {
      if (option.long && option.long !== '--help') expect(text, `${path} ${option.long}`).toContain(option.long);
    }
  });

  it('documents the global options and the exit codes', () => {
    for (const option of program.options) if (option.long && option.long !== '--version') expect(doc).toContain(option.long);
    expect(doc).toMatch(/\| `2` \| usage error/);
  });
});
