import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts'],
    globalSetup: ['./test-support/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // The machines are 2-core; more workers only contend for the same database.
    maxWorkers: 2,
    reporters: process.env.CI ? ['default'] : ['default'],
  },
});
