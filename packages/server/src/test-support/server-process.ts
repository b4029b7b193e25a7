import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const serverEntry = fileURLToPath(new URL('../../dist/index.js', import.meta.url));

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  output: () => string;
  /** Resolves with the exit code (or signal) once the process is gone. */
  exited: Promise<number | string>;
}

/** Runs the built server in its own process, so tests can kill it like an operator (or the OOM killer) would. */
export async function spawnServer(options: { dataDir?: string; databaseUrl?: string; adminToken: string; port?: number }): Promise<ServerProcess> {
  const code = `
    const { startServer, loadServerConfig } = await import(${JSON.stringify(serverEntry)});
    const server = await startServer(loadServerConfig({ port: ${options.port ?? 0}, logLevel: 'silent' }));
    process.on('SIGTERM', async () => { await server.close(); process.exit(0); });
    console.log('LISTENING ' + server.url);
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], {
    env: {
      ...process.env, GANTRY_ADMIN_TOKEN: options.adminToken, GANTRY_DATA_DIR: options.dataDir ?? '',
      DATABASE_URL: options.databaseUrl ?? '',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => { out += String(d); });
  child.stderr!.on('data', (d) => { out += String(d); if (process.env.E2E_DEBUG) process.stderr.write(d); });
  const exited = new Promise<number | string>((resolve) => child.once('exit', (c, s) => resolve(c ?? s ?? -1)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in 60 s:\n${out}`)), 60_000);
    const check = () => {
      const match = /LISTENING (\S+)/.exec(out);
      if (match) { clearTimeout(timer); resolve(match[1]!); }
    };
    child.stdout!.on('data', check);
    void exited.then(() => { clearTimeout(timer); reject(new Error(`server exited during start:\n${out}`)); });
  });
  return { url, child, output: () => out, exited };
}
