import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

/** Which package may import which: DESIGN.md's table, enforced. */
const boundaries = {
  core: [],
  server: ['@gantry/core'],
  agent: ['@gantry/core'],
  'sdk-node': ['@gantry/core'],
  cli: ['@gantry/server', '@gantry/agent', '@gantry/core'],
};
const all = ['@gantry/core', '@gantry/server', '@gantry/agent', '@gantry/sdk-node', '@gantry/cli', '@gantry/web', '@gantry/sdk-web'];

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '.gantry/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  ...Object.entries(boundaries).map(([pkg, allowed]) => ({
    files: [`packages/${pkg}/src/**/*.ts`],
    rules: {
      'no-restricted-imports': ['error', {
        paths: all.filter((p) => !allowed.includes(p)).map((name) => ({ name, message: `packages/${pkg} may not import ${name} (see DESIGN.md, Packages).` })),
        patterns: [{ group: ['../../*/src/*', '../../../packages/*'], message: 'Import another package by its name, never by a relative path into it.' }],
      }],
    },
  })),
  {
    // core is zero-dependency and runs in browsers: no Node built-ins either.
    files: ['packages/core/src/**/*.ts'],
    ignores: ['packages/core/src/**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ regex: '^(?!\\.{1,2}/)', message: 'packages/core has zero dependencies: relative imports only.' }] }],
    },
  },
  {
    // Modules talk through services, never through each other's stores (STYLE.md, What we take 2).
    files: ['packages/server/src/**/*.ts'],
    ignores: ['packages/server/src/**/*.test.ts', 'packages/server/src/test-support/**'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: all.filter((p) => p !== '@gantry/core').map((name) => ({ name, message: `packages/server may not import ${name}.` })),
        patterns: [{ regex: '^\\.\\./[a-z-]+/[a-z-]+-store(\\.js)?$', message: "A module may not reach into another module's store: call its service." }],
      }],
    },
  },
  {
    // process.env is read in one config module per package.
    files: ['packages/*/src/**/*.ts'],
    ignores: ['packages/*/src/**/*.test.ts', 'packages/*/src/config/**', 'packages/*/src/test-support/**', 'packages/cli/src/env.ts'],
    rules: {
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Read environment variables in the config module only.' }],
    },
  },
);
