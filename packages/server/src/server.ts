import { buildApp } from './app.js';
import type { ServerConfig } from './config/config.js';
import { createDatabase } from './db/database.js';
import { startEmbeddedDatabase, type EmbeddedDatabase } from './db/embedded.js';
import { migrate } from './db/migrate.js';

/** How long a shutdown waits for in-flight requests before closing their connections. */
const drainMs = 10_000;

export interface RunningServer {
  url: string;
  /** Set on first start when no GANTRY_ADMIN_TOKEN was given: print it once. */
  generatedAdminToken: string | undefined;
  close(): Promise<void>;
}

/** Starts the database (embedded unless a URL is given), migrates it, and listens. */
export async function startServer(config: ServerConfig, say: (line: string) => void = () => {}): Promise<RunningServer> {
  let embedded: EmbeddedDatabase | undefined;
  let url = config.databaseUrl;
  if (!url) {
    say(`starting the embedded PostgreSQL in ${config.dataDir}`);
    embedded = await startEmbeddedDatabase(config.dataDir);
    url = embedded.url;
  }
  const db = createDatabase(url);
  try {
    const { applied } = await migrate(db);
    if (applied.length) say(`applied migrations: ${applied.join(', ')}`);
    const { app, auth } = await buildApp({ db, databaseUrl: url, corsOrigins: config.corsOrigins, ofrepRateLimit: config.ofrepRateLimit, publicUrl: config.publicUrl, logger: config.logLevel === 'silent' ? false : { level: config.logLevel } });
    const seeded = await auth.seedAdmin(config.adminToken);
    await app.listen({ host: config.host, port: config.port });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    const host = config.host.includes(':') ? `[${config.host}]` : config.host;
    let closing: Promise<void> | undefined;
    return {
      url: `http://${host}:${port}`,
      generatedAdminToken: seeded?.generated ? seeded.secret : undefined,
      close: () => (closing ??= (async () => {
        // Drain: in-flight requests finish; keep-alive connections are closed as soon as they are
        // idle (instead of after their 72 s idle timeout); whatever still holds on after the drain
        // window is cut, so a shutdown always ends.
        const sweep = setInterval(() => app.server.closeIdleConnections(), 100);
        const cut = setTimeout(() => app.server.closeAllConnections(), drainMs);
        await app.close().finally(() => { clearInterval(sweep); clearTimeout(cut); });
        await db.close();
        await embedded?.stop();
      })()),
    };
  } catch (error) {
    await db.close().catch(() => {});
    await embedded?.stop().catch(() => {});
    throw error;
  }
}
