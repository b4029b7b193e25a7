import { defineConfig } from 'vitest/config';

const pg15 = process.env.GANTRY_TEST_PG15_URL;
if (process.env.CI && !pg15) {
  throw new Error('CI must prove Debian PostgreSQL 15 too: .ci/run sets GANTRY_TEST_PG15_URL');
}

const shared = { testTimeout: 30_000, hookTimeout: 90_000 };

export default defineConfig({
  test: {
    pool: 'forks',
    // The machines are 2-core; more workers only contend for the same database.
    maxWorkers: 2,
    projects: [
      {
        test: {
          ...shared,
          name: 'embedded',
          include: ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts', 'test/**/*.test.ts'],
          globalSetup: ['./test-support/global-setup.ts'],
        },
      },
      // The server's suite again on an ordinary PostgreSQL 15 when one is given (always in CI).
      ...(pg15 ? [{
        test: {
          ...shared,
          name: 'postgresql-15',
          include: ['packages/server/src/**/*.test.ts'],
          globalSetup: ['./test-support/global-setup-pg15.ts'],
        },
      }] : []),
    ],
  },
});
