/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    // quick-lru 7 is ESM-only; Jest's CommonJS loader cannot require() it, so ts-jest
    // (allowJs in tsconfig.json) transpiles it along with our TypeScript.
    '^.+\\.[tj]s$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
  },
  transformIgnorePatterns: ['/node_modules/(?!quick-lru/)'],
  // The packed-tarball and dist tests spawn real processes; the rest use real loopback servers.
  testTimeout: 30000,
};
