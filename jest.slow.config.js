// `npm run test:slow`: the packed tarball, installed into consumer projects (test/slow/). CI runs it
// after `npm test`. No coverage: its children run the installed copy, not lib/.
const base = require('./jest.config.js');

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  roots: ['<rootDir>/test/slow'],
  testPathIgnorePatterns: ['/node_modules/'],
  maxWorkers: 1,
  testTimeout: 120000,
  collectCoverage: false,
  coverageThreshold: undefined,
  reporters: ['default'],
};
