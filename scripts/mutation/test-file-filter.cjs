// Jest's `filter` for `npm run mutation`: when the StrykerJS runner `jest-by-file`
// (./test-runner.mjs) names the files of a mutant's covering tests in MUTATION_TEST_FILES, run only
// those; else all.
'use strict';
module.exports = async (testPaths) => {
  const named = process.env.MUTATION_TEST_FILES;
  if (named === undefined) return { filtered: testPaths };
  const keep = new Set(JSON.parse(named));
  return { filtered: testPaths.filter((path) => keep.has(path)) };
};
