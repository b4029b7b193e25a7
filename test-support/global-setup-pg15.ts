import type { TestProject } from 'vitest/node';
import { startTestDatabase } from '../packages/server/src/test-support/global-db.js';

/** The same suite on the PostgreSQL that GANTRY_TEST_PG15_URL names (a superuser URL). */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const { adminUrl, stop } = await startTestDatabase(process.env.GANTRY_TEST_PG15_URL);
  project.provide('gantryTestDatabaseUrl', adminUrl);
  return stop;
}
