import type { TestProject } from 'vitest/node';
import { startTestDatabase } from '../packages/server/src/test-support/global-db.js';

/** One embedded PostgreSQL for the whole run; each test file clones its own database from a migrated template. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const { adminUrl, stop } = await startTestDatabase();
  project.provide('gantryTestDatabaseUrl', adminUrl);
  return stop;
}

declare module 'vitest' {
  export interface ProvidedContext {
    gantryTestDatabaseUrl: string;
  }
}
