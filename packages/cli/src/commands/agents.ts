import type { Command } from 'commander';
import { contextOf } from '../context.js';
import { note, out, printJson, relativeTime, table } from '../output.js';
import { name } from '../parse.js';
import type { Agent } from '@gantry/server';

export type { Agent };

const maxError = 80;

/** Agents report every few seconds, so seconds matter here: `3s ago`, then as everywhere else. */
export function lastSeen(iso: string, now = Date.now()): string {
  const s = Math.round((now - new Date(iso).getTime()) / 1000);
  return s >= 0 && s < 60 ? `${s}s ago` : relativeTime(iso, now);
}

/** `web@2 ready, 1/1 healthy, 75 % of traffic`, one line per version the agent reports. */
export function serviceLines(status: Agent['status']): string {
  const lines: string[] = [];
  for (const s of status?.services ?? []) {
    const routes = s.routes?.versions ?? [];
    const total = routes.reduce((n, r) => n + r.weight, 0);
    for (const v of s.versions) {
      const healthy = v.instances ? `${v.healthyInstances}/${v.instances.length} healthy` : `${v.healthyInstances} healthy`;
      const weight = routes.find((r) => r.version === v.version)?.weight ?? 0;
      const traffic = total > 0 && weight > 0 ? `, ${Math.round((weight / total) * 1000) / 10} % of traffic` : '';
      const error = v.error ? `: ${v.error.length > maxError ? `${v.error.slice(0, maxError - 1)}…` : v.error}` : '';
      lines.push(`${s.service}@${v.version} ${v.state}, ${healthy}${traffic}${error}`);
    }
    if (s.versions.length === 0) lines.push(`${s.service}: nothing running`);
  }
  return lines.join('\n');
}

export function registerAgents(program: Command): void {
  program.command('agents')
    .description('the host agents: environment, whether they are live, when last seen, and what each runs')
    .option('--env <env>', 'only the agents of this environment', name)
    .action(async (opts: { env?: string }, cmd: Command) => {
      const { client, json } = contextOf(cmd);
      const list = await client.get<{ items: Agent[] }>('/agents', { environment: opts.env });
      if (json) return printJson(list);
      if (list.items.length === 0) {
        return note(`No agents${opts.env ? ` in ${opts.env}` : ''} yet: run gantry agent on each host, with a token of scope agent:ENV (gantry token create --scope agent:ENV --name NAME).`);
      }
      const agents = [...list.items].sort((a, b) => a.environment.localeCompare(b.environment) || a.name.localeCompare(b.name));
      out(table(['NAME', 'ENVIRONMENT', 'LIVE', 'LAST SEEN', 'SERVICES'], agents.map((a) => [
        a.name, a.environment, a.live ? 'yes' : 'no', lastSeen(a.lastSeenAt), serviceLines(a.status) || '—',
      ])));
    });
}
