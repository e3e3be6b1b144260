/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }] },
  globalSetup: '<rootDir>/test/helpers/global-setup.ts',
  setupFiles: ['<rootDir>/test/helpers/setup-file.ts'],
  globalTeardown: '<rootDir>/test/helpers/global-teardown.ts',
  // Each workflow/API file starts its own Temporal dev server; two at a time fits the 2-core machines.
  maxWorkers: 2,
  testTimeout: 120_000,
};
