import { path, type Client } from '../client.js';
import { Failure, NetworkError } from '../errors.js';
import { note } from '../output.js';
import type { Deployment } from './deployments.js';

export const terminalStates = ['succeeded', 'failed', 'rolled-back'] as const;

export function isTerminal(state: string): boolean {
  return (terminalStates as readonly string[]).includes(state);
}

export interface WaitOptions {
  timeoutSeconds: number;
  /** Spinner on a terminal; one line per state change otherwise (CI logs). */
  interactive: boolean;
  pollMs?: number;
}

const frames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

function stateLine(d: Deployment): string {
  const hint = d.state === 'pending' ? ` — awaiting approval: gantry deployment approve ${d.id}`
    : d.state === 'queued' ? ' — queued behind the active deployment' : '';
  return `deployment ${d.id} (${d.service}@${d.version} → ${d.environment}): ${d.state}${d.message ? `: ${d.message}` : ''}${hint}`;
}

export interface WaitResult {
  deployment: Deployment;
  /** Set when it did not succeed: failed, rolled back, or still unfinished when the time ran out. */
  failure: Failure | undefined;
}

/** Keeps the spinner on one line, or `\r` cannot redraw it. */
function fit(line: string): string {
  const columns = process.stderr.columns || 80;
  const chars = [...line];
  return chars.length < columns ? line : `${chars.slice(0, columns - 2).join('')}…`;
}

/**
 * Polls a deployment until it reaches a terminal state, or the time runs out. Progress goes to
 * stderr only: a spinner on a terminal, one line per change otherwise.
 */
export async function waitForDeployment(client: Client, first: Deployment, options: WaitOptions): Promise<WaitResult> {
  const pollMs = options.pollMs ?? 1000;
  const started = Date.now();
  const deadline = started + options.timeoutSeconds * 1000;
  let current = first;
  let lastShown = '';
  let frame = 0;
  let unreachable = false;

  const show = () => {
    const line = stateLine(current);
    if (options.interactive) {
      const elapsed = Math.round((Date.now() - started) / 1000);
      process.stderr.write(`\r\x1b[2K${fit(`${frames[frame++ % frames.length]} ${line} · ${elapsed}s${unreachable ? ' (server unreachable, retrying)' : ''}`)}`);
    } else if (line !== lastShown) {
      note(line);
    }
    lastShown = line;
  };
  const spinner = options.interactive ? setInterval(show, 100) : undefined;
  try {
    show();
    while (!isTerminal(current.state)) {
      if (Date.now() >= deadline) {
        return {
          deployment: current,
          failure: new Failure(`timed out after ${options.timeoutSeconds} s; deployment ${current.id} is still ${current.state} (follow it with: gantry deployment show ${current.id})`),
        };
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(pollMs, Math.max(0, deadline - Date.now()))));
      try {
        current = await client.get<Deployment>(path('deployments', current.id));
        unreachable = false;
      } catch (error) {
        // A restarting server should not fail a long wait; anything else (401, 404) should.
        if (!(error instanceof NetworkError)) throw error;
        if (!unreachable && !options.interactive) note(`${error.message}; retrying`);
        unreachable = true;
      }
      show();
    }
  } finally {
    if (spinner) {
      clearInterval(spinner);
      process.stderr.write('\r\x1b[2K');
      note(stateLine(current));
    }
  }
  return {
    deployment: current,
    failure: current.state === 'succeeded' ? undefined : new Failure(`deployment ${current.id} ${current.state}${current.message ? `: ${current.message}` : ''}`),
  };
}
