import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createDatabase } from '../db/database.js';
import { startEmbeddedDatabase } from '../db/embedded.js';
import { migrate } from '../db/migrate.js';

export const templateName = 'gantry_template';

/**
 * Starts the embedded PostgreSQL in a throwaway directory (or uses `external`, a superuser URL of
 * another server) and migrates a template database that test files clone.
 */
export async function startTestDatabase(external?: string): Promise<{ adminUrl: string; stop: () => Promise<void> }> {
  let stopServer = async () => {};
  let adminUrl: string;
  if (external) {
    adminUrl = external;
  } else {
    const dir = await mkdtemp(join(tmpdir(), 'gantry-test-db-'));
    const embedded = await startEmbeddedDatabase(dir);
    adminUrl = embedded.url;
    stopServer = async () => {
      await embedded.stop();
      await rm(dir, { recursive: true, force: true });
    };
  }
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${templateName}`);
  await admin.query(`CREATE DATABASE ${templateName}`);
  await admin.end();
  const template = createDatabase(withDatabase(adminUrl, templateName), { max: 1 });
  await migrate(template);
  await template.close();
  return { adminUrl, stop: stopServer };
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}
