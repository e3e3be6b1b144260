/**
 * Two projects, so that servers are provided only when a selected test needs them: Jest runs a
 * project's globalSetup/globalTeardown only if at least one of the selected test files belongs to it.
 *   unit         test/unit: no Temporal CLI, no shared PostgreSQL (`npx jest test/unit` needs neither);
 *   integration  every other test file: the global setup provides the Temporal CLI and a PostgreSQL.
 * A new test directory falls into `integration`, so it gets the servers by default.
 */
const shared = {
  testEnvironment: 'node',
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }] },
  setupFiles: ['<rootDir>/test/helpers/setup-file.ts'],
};

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    { ...shared, displayName: 'unit', roots: ['<rootDir>/test/unit'] },
    {
      ...shared,
      displayName: 'integration',
      roots: ['<rootDir>/test'],
      testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/unit/'],
      globalSetup: '<rootDir>/test/helpers/global-setup.ts',
      globalTeardown: '<rootDir>/test/helpers/global-teardown.ts',
    },
  ],
  // Each workflow/API file starts its own Temporal dev server; two at a time fits the 2-core machines.
  maxWorkers: 2,
  testTimeout: 120_000,
};
