/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // test/slow/ (the packed tarball in consumer projects) is `npm run test:slow`, which CI runs after
  // `npm test`: a minute of CPU that tests the package, not a code path (jest.slow.config.js).
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/slow/'],
  // Jest's default on 2 cores is 1 worker, in band: every suite waits on the one before, though
  // most of their time is spent waiting on loopback servers, Redis and child processes, not on CPU.
  // Two workers overlap those waits (the suites use ephemeral ports and their own redis-servers).
  maxWorkers: 2,
  transform: {
    // quick-lru 7 is ESM-only; Jest's CommonJS loader cannot require() it, so ts-jest
    // (allowJs in tsconfig.json) transpiles it along with our TypeScript. (The built package
    // bundles it instead: see scripts/build.js.)
    '^.+\\.[tj]s$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
  },
  // jose 6 is ESM-only too: the DPoP tests verify proofs with it.
  transformIgnorePatterns: ['/node_modules/(?!quick-lru/|jose/)'],
  // The dist tests spawn real processes; the rest use real loopback servers.
  testTimeout: 30000,
  // `npm test` runs with --coverage. The child processes that run dist/ count too (see the reporter).
  coverageProvider: 'v8',
  collectCoverageFrom: ['lib/**/*.ts'],
  coverageReporters: ['text-summary', 'json-summary', 'html'],
  // A little below what the whole suite reached (98.1% statements and lines, 90.2% branches,
  // 97.7% functions, with the children), so that a change which drops tests fails. A run of a
  // single file with --coverage falls below it: that is expected.
  coverageThreshold: {
    global: { statements: 96, branches: 87, functions: 95, lines: 96 },
  },
  reporters: ['default', '<rootDir>/test/helpers/child-coverage-reporter.js'],
};
