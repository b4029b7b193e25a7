import { randomBytes } from 'node:crypto';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import pg from 'pg';
import { inject } from 'vitest';
import { buildApp } from '../app.js';
import { createDatabase, type Database } from '../db/database.js';
import { templateName, withDatabase } from './global-db.js';

/** A fresh database cloned from the migrated template: cheap, and isolated per test file. */
export async function freshDatabase(): Promise<{ db: Database; url: string; drop: () => Promise<void> }> {
  const adminUrl = inject('gantryTestDatabaseUrl');
  const name = `gantry_t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name} TEMPLATE ${templateName}`);
  await admin.end();
  const url = withDatabase(adminUrl, name);
  const db = createDatabase(url, { max: 20 });
  return {
    db, url,
    async drop() {
      await db.close();
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

export interface TestApp {
  app: FastifyInstance;
  db: Database;
  url: string;
  adminToken: string;
  /** Creates a token of the given scope and returns its secret. */
  token(scope: string, name?: string): Promise<string>;
  call(method: InjectOptions['method'], path: string, options?: { body?: unknown; token?: string | null; headers?: Record<string, string> }): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

export async function testApp(options: { timings?: { heartbeatMs?: number; schedulerMs?: number }; ofrepRateLimit?: number; publicUrl?: string } = {}): Promise<TestApp> {
  const { db, url, drop } = await freshDatabase();
  const { app, auth } = await buildApp({ db, databaseUrl: url, timings: { schedulerMs: 200, ...options.timings }, ofrepRateLimit: options.ofrepRateLimit, publicUrl: options.publicUrl });
  const adminToken = `gnt_test_admin_${randomBytes(12).toString('hex')}`;
  await auth.seedAdmin(adminToken);
  const call: TestApp['call'] = (method, path, options = {}) => {
    const headers: Record<string, string> = { ...options.headers };
    const token = options.token === undefined ? adminToken : options.token;
    if (token !== null) headers.authorization = `Bearer ${token}`;
    return app.inject({
      method, url: path, headers,
      ...(options.body !== undefined ? { payload: options.body as InjectOptions['payload'] } : {}),
    });
  };
  return {
    app, db, url, adminToken, call,
    async token(scope, name = `${scope.replace(':', '-')}-${randomBytes(3).toString('hex')}`) {
      const res = await call('POST', '/api/v1/tokens', { body: { name, scope } });
      if (res.statusCode !== 201) throw new Error(`token creation failed: ${res.body}`);
      return res.json<{ secret: string }>().secret;
    },
    async close() {
      await app.close();
      await drop();
    },
  };
}

export const digest = (seed: string) => `sha256:${Buffer.from(seed.padEnd(32, '.')).toString('hex').slice(0, 64).padEnd(64, '0')}`;

/** A small world: services, a promotion path and artifacts, through the API. */
export async function seedWorld(t: TestApp): Promise<void> {
  const ok = async (method: InjectOptions['method'], path: string, body: unknown) => {
    const res = await t.call(method, path, { body });
    if (res.statusCode >= 300) throw new Error(`${method} ${path} → ${res.statusCode} ${res.body}`);
  };
  await ok('POST', '/api/v1/services', { name: 'checkout-api' });
  await ok('POST', '/api/v1/services', { name: 'web' });
  for (const name of ['development', 'staging', 'production']) await ok('POST', '/api/v1/environments', { name });
  for (const version of ['1.4.0', '1.4.1', '1.4.2']) {
    await ok('POST', '/api/v1/services/checkout-api/artifacts', { version, digest: digest(version), changes: [`change in ${version}`], buildId: `b-${version}` });
  }
}
