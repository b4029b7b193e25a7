import { spawn } from 'node:child_process';

export interface ScriptOutcome {
  code: number | null;
  signal: string | null;
  timedOut: boolean;
}

export interface ScriptRun {
  done: boolean;
  outcome?: ScriptOutcome;
}

/**
 * Runs the commands of the `script` driver and acceptance checks: one shell per phase, its own
 * process group (so a timeout kills what it started), output streamed line by line to `onLine`.
 * Runs are kept in memory by key; after a server restart a phase that was running runs again,
 * so scripts must be safe to repeat (docs/deployments.md).
 */
export function createScriptRunner(baseEnv: Record<string, string>) {
  const runs = new Map<string, ScriptRun & { child?: ReturnType<typeof spawn> }>();
  return {
    get: (key: string): ScriptRun | undefined => runs.get(key),
    start(key: string, command: string, env: Record<string, string>, timeoutMs: number, onLine: (stream: 'stdout' | 'stderr', line: string) => void): void {
      if (runs.has(key)) return;
      const child = spawn('/bin/sh', ['-c', command], {
        env: { ...baseEnv, ...env },
        stdio: ['ignore', 'pipe', 'pipe'], detached: true,
      });
      const run: ScriptRun & { child?: ReturnType<typeof spawn> } = { done: false, child };
      runs.set(key, run);
      let timedOut = false;
      const kill = (signal: NodeJS.Signals) => { try { process.kill(-child.pid!, signal); } catch { /* gone */ } };
      const timer = setTimeout(() => {
        timedOut = true;
        kill('SIGTERM');
        setTimeout(() => kill('SIGKILL'), 5000).unref();
      }, timeoutMs);
      for (const stream of ['stdout', 'stderr'] as const) {
        let rest = '';
        child[stream]!.setEncoding('utf8').on('data', (chunk: string) => {
          const lines = (rest + chunk).split('\n');
          rest = lines.pop() ?? '';
          for (const line of lines) if (line.trim()) onLine(stream, line.slice(0, 4000));
        }).on('end', () => { if (rest.trim()) onLine(stream, rest.slice(0, 4000)); });
      }
      child.on('error', (error) => {
        clearTimeout(timer);
        onLine('stderr', `could not start the command: ${error.message}`);
        Object.assign(run, { done: true, outcome: { code: null, signal: null, timedOut: false } });
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        Object.assign(run, { done: true, outcome: { code, signal, timedOut }, child: undefined });
      });
    },
    forget(key: string): void {
      runs.delete(key);
    },
    stopAll(): void {
      for (const run of runs.values()) if (run.child?.pid) { try { process.kill(-run.child.pid, 'SIGTERM'); } catch { /* gone */ } }
    },
  };
}

export type ScriptRunner = ReturnType<typeof createScriptRunner>;
