import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { INHERITED_VARIABLES } from '../config/env.js';

// docs/agent.md is a contract: every option, event and error code the agent has is named there.
const doc = readFileSync(new URL('../../../../docs/agent.md', import.meta.url), 'utf8');
const source = (file: string) => readFileSync(new URL(file, import.meta.url), 'utf8');

/** Property names declared in one interface of a source file. */
function members(file: string, name: string): string[] {
  const body = new RegExp(`export interface ${name}[^{]*\\{([\\s\\S]*?)\\n\\}`).exec(source(file))![1]!;
  return [...body.matchAll(/^ {2}([a-zA-Z]+)\??:/gm)].map((m) => m[1]!);
}

describe('docs/agent.md', () => {
  it('names every option of createAgent and every event', () => {
    const options = members('./options.ts', 'AgentOptions');
    expect(options.length).toBeGreaterThan(10);
    for (const option of options) expect(doc).toContain(`\`${option}\``);
    for (const event of members('./options.ts', 'AgentEvents')) expect(doc).toContain(`\`${event}\``);
  });

  it('names every error code the agent raises', () => {
    const artifactCodes = /ArtifactErrorCode = ([^;]+);/.exec(source('./artifacts.ts'))![1]!.match(/'[a-z_]+'/g)!.map((c) => c.slice(1, -1));
    const raised = [...(source('./agent.ts') + source('./converge.ts')).matchAll(/new AgentError\('([a-z_]+)'/g)].map((m) => m[1]!).filter((c) => !['invalid_options', 'agent_started', 'agent_failure'].includes(c));
    expect(raised).toContain('secret_missing');
    for (const code of [...artifactCodes, ...raised, 'server_unreachable', 'invalid_desired_state']) expect(doc).toContain(`\`${code}\``);
  });

  it('lists the variables processes inherit, and the state directory entries', () => {
    expect(doc).toContain(`\`${INHERITED_VARIABLES.join(' ')}\``);
    for (const entry of ['agent.json', 'desired.json', 'artifacts/', 'supervisor/state.json', 'supervisor/logs/']) expect(doc).toContain(`\`${entry}`);
  });
});
