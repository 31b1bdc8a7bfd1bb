/** @type {import('jest').Config} */
const swc = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
    target: 'es2022',
    keepClassNames: true,
  },
  module: { type: 'commonjs' },
  sourceMaps: 'inline',
};

const transform = { '^.+\\.ts$': ['@swc/jest', swc] };

/**
 * Two projects: `unit` (the src spec files: pure rules, no PostgreSQL, `npm run test:unit`) and
 * `e2e` (the test folder: the real app on a real PostgreSQL, started by the global setup).
 */
module.exports = {
  reporters: [
    'default',
    '<rootDir>/test/setup/summary-reporter.js',
    '<rootDir>/test/setup/overdue-reporter.mjs',
  ],
  testTimeout: 30000,
  maxWorkers: 2,
  // a worker whose heap grew past this after a file is replaced: long runs stay fast (GC)
  workerIdleMemoryLimit: '1GB',
  projects: [
    {
      displayName: 'unit',
      rootDir: '.',
      testEnvironment: 'node',
      testMatch: ['<rootDir>/src/**/*.spec.ts'],
      transform,
    },
    {
      displayName: 'e2e',
      rootDir: '.',
      testEnvironment: 'node',
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts', '<rootDir>/packages/*/test/**/*.e2e-spec.ts'],
      transform,
      globalSetup: '<rootDir>/test/setup/global-setup.ts',
      globalTeardown: '<rootDir>/test/setup/global-teardown.ts',
      setupFilesAfterEnv: [
        '<rootDir>/test/setup/watchdog.ts',
        '<rootDir>/test/setup/documented-codes.ts',
        '<rootDir>/test/setup/sql-tenant-filter.ts',
      ],
    },
  ],
};
