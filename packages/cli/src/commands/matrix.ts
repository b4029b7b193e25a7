import type { Command } from 'commander';
import { contextOf } from '../context.js';
import { note, out, printJson, relativeTime, table } from '../output.js';

interface Cell {
  environment: string;
  current: { version: string; deploymentId: number; at: string; by: string } | null;
  latest: { version: string; deploymentId: number; state: string; at: string; by: string } | null;
  behindPrevious: number | null;
}

interface Matrix {
  environments: string[];
  services: { service: string; cells: Cell[] }[];
}

/**
 * One cell, several lines: the version running there, how many versions it is behind the previous
 * environment, when and by whom it was deployed, and a newer deployment in flight (or failed).
 */
export function renderCell(cell: Cell, now = Date.now()): string {
  const lines = [cell.current ? cell.current.version : '—'];
  if (cell.behindPrevious) lines[0] += ` (${cell.behindPrevious} behind)`;
  if (cell.current) lines.push(`${relativeTime(cell.current.at, now)} by ${cell.current.by}`);
  if (cell.latest) lines.push(`${cell.current ? '→ ' : ''}${cell.latest.version} ${cell.latest.state} (#${cell.latest.deploymentId}, ${relativeTime(cell.latest.at, now)})`);
  return lines.join('\n');
}

export function registerMatrix(program: Command): void {
  program.command('matrix')
    .description('services × environments: the version running, anything newer in flight, when, by whom, and how far behind')
    .action(async (_opts: unknown, cmd: Command) => {
      const { client, json } = contextOf(cmd);
      const matrix = await client.get<Matrix>('/matrix');
      if (json) return printJson(matrix);
      if (matrix.services.length === 0 || matrix.environments.length === 0) {
        return note('Nothing to show yet: create services and environments, then deploy.');
      }
      out(table(['SERVICE', ...matrix.environments], matrix.services.map((s) => [
        s.service, ...matrix.environments.map((env) => {
          const cell = s.cells.find((c) => c.environment === env);
          return cell ? renderCell(cell) : '—';
        }),
      ]), { spaced: true }));
    });
}
