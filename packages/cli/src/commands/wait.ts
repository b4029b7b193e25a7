import { path, type Client } from '../client.js';
import { Failure, NetworkError } from '../errors.js';
import type { Deployment, LogLine } from './deployments.js';

export const terminalStates = ['succeeded', 'failed', 'rolled-back'] as const;

export function isTerminal(state: string): boolean {
  return (terminalStates as readonly string[]).includes(state);
}

/** Where progress goes: stderr, or a test's capture. */
export interface ProgressStream {
  write(text: string): unknown;
  columns?: number;
}

export interface WaitOptions {
  timeoutSeconds: number;
  /** A spinner line under the log lines on a terminal; one line per log line and state change otherwise (CI logs). */
  interactive: boolean;
  pollMs?: number;
  stream?: ProgressStream;
}

const frames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const logPage = 1000;

function stateLine(d: Deployment): string {
  const hint = d.state === 'pending' ? ` — awaiting approval: gantry deployment approve ${d.id}`
    : d.state === 'queued' ? ' — queued behind the active deployment' : '';
  return `deployment ${d.id} (${d.service}@${d.version} → ${d.environment}): ${d.state}${d.message ? `: ${d.message}` : ''}${hint}`;
}

/** One deployment log line as progress: indented under the state lines, its level when it is not info. */
export function progressLine(l: LogLine): string {
  return `  ${l.level === 'info' ? '' : `${l.level}: `}${l.message}`;
}

/** `step 3/7: pause until promoted` from the deployment's plan, when it has one and is not done. */
export function currentStep(d: Deployment): string | undefined {
  const p = d.progress;
  if (!p || isTerminal(d.state) || p.step >= p.steps.length) return undefined;
  return `step ${p.step + 1}/${p.steps.length}: ${p.steps[p.step]}`;
}

export interface WaitResult {
  deployment: Deployment;
  /** Set when it did not succeed: failed, rolled back, or still unfinished when the time ran out. */
  failure: Failure | undefined;
}

/**
 * Follows a deployment until it reaches a terminal state, or the time runs out, printing each new
 * line of its log as it arrives (the controller logs every step and analysis, agents their process
 * output). Progress goes to stderr only: on a terminal, the log lines scroll above a spinner line
 * naming the current step; otherwise one line per log line and per state change.
 */
export async function waitForDeployment(client: Client, first: Deployment, options: WaitOptions): Promise<WaitResult> {
  const stream = options.stream ?? process.stderr;
  const pollMs = options.pollMs ?? 500;
  const started = Date.now();
  const deadline = started + options.timeoutSeconds * 1000;
  let current = first;
  let step = currentStep(first);
  let after = 0;
  let lastState = '';
  let frame = 0;
  let unreachable = false;
  let spinning = false;

  /** Keeps the spinner on one line, or `\r` cannot redraw it. */
  const fit = (line: string) => {
    const columns = stream.columns || 80;
    const chars = [...line];
    return chars.length < columns ? line : `${chars.slice(0, columns - 2).join('')}…`;
  };
  const clear = () => {
    if (spinning) stream.write('\r\x1b[2K');
    spinning = false;
  };
  const spin = () => {
    const elapsed = Math.round((Date.now() - started) / 1000);
    // With a current step the state's message says less than the step: leave it out to keep the line short.
    const state = step ? `deployment ${current.id} (${current.service}@${current.version} → ${current.environment}): ${current.state}` : stateLine(current);
    const parts = [state, ...(step ? [step] : []), `${elapsed}s`];
    stream.write(`\r\x1b[2K${fit(`${frames[frame++ % frames.length]} ${parts.join(' · ')}${unreachable ? ' (server unreachable, retrying)' : ''}`)}`);
    spinning = true;
  };
  const print = (line: string) => {
    clear();
    stream.write(`${line}\n`);
    if (options.interactive && !isTerminal(current.state)) spin();
  };
  const showState = () => {
    const line = stateLine(current);
    if (line !== lastState && !options.interactive) print(line);
    lastState = line;
  };
  const showLines = (lines: LogLine[]) => {
    for (const l of lines) {
      after = l.id;
      if (/^step \d+\/\d+: /.test(l.message)) step = l.message;
      print(progressLine(l));
    }
  };
  /** Prints the new log lines; returns the state the server read with them (undefined from servers that do not send it). */
  const poll = async (): Promise<{ state: string | undefined }> => {
    let state: string | undefined;
    for (;;) {
      const page = await client.get<{ state?: string; items: LogLine[] }>(path('deployments', current.id, 'logs'), { after, limit: logPage });
      state ??= page.state;
      showLines(page.items);
      if (page.items.length < logPage) return { state };
    }
  };

  /** New lines, then the deployment again when its state moved. */
  const update = async () => {
    const { state } = await poll();
    if (state === undefined || state !== current.state || isTerminal(state)) {
      current = await client.get<Deployment>(path('deployments', current.id));
      step = currentStep(current) ?? (isTerminal(current.state) ? undefined : step);
    }
    showState();
  };

  const spinner = options.interactive ? setInterval(spin, 100) : undefined;
  try {
    showState();
    if (options.interactive) spin();
    await update().catch(() => undefined);
    while (!isTerminal(current.state)) {
      if (Date.now() >= deadline) {
        return {
          deployment: current,
          failure: new Failure(`timed out after ${options.timeoutSeconds} s; deployment ${current.id} is still ${current.state} (follow it with: gantry deployment logs ${current.id} --follow)`),
        };
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(pollMs, Math.max(0, deadline - Date.now()))));
      try {
        await update();
        unreachable = false;
      } catch (error) {
        // A restarting server should not fail a long wait; anything else (401, 404) should.
        if (!(error instanceof NetworkError)) throw error;
        if (!unreachable && !options.interactive) print(`${error.message}; retrying`);
        unreachable = true;
      }
    }
    // The state and the lines are read side by side: the last lines may have come in just before the end.
    await poll().catch(() => undefined);
  } finally {
    if (spinner) clearInterval(spinner);
    if (options.interactive) {
      clear();
      stream.write(`${stateLine(current)}\n`);
    }
  }
  return {
    deployment: current,
    failure: current.state === 'succeeded' ? undefined : new Failure(`deployment ${current.id} ${current.state}${current.message ? `: ${current.message}` : ''}`),
  };
}
