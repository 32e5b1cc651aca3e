// A StrykerJS test runner, `jest-by-file`: StrykerJS's own Jest runner, except that a mutant's run
// loads only the test files that hold the tests covering it.
//
// Why: the Jest runner narrows a mutant's run by test name only, so every mutant run loads every
// test file of the module's selection (3–4 s for outbound's 22 files before a single test runs).
// The dry run reports each test's file; we keep that map in the sandbox and hand the files of a
// mutant's covering tests to Jest's `filter` (./test-file-filter.cjs) through the environment. The
// same tests run, by the same name filter, so a mutant is killed or survives exactly as under the
// plain runner.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { commonTokens, declareFactoryPlugin, PluginKind, tokens } from '@stryker-mutator/api/plugin';
import { strykerPlugins as jestPlugins } from '@stryker-mutator/jest-runner';

const jestFactory = jestPlugins.find((plugin) => plugin.name === 'jest').factory;
// The dry run and the mutant runs happen in different worker processes; they share the sandbox.
const mapFile = () => join(process.cwd(), '.stryker-test-files.json');
// The variable ./test-file-filter.cjs reads (Jest requires that file as CommonJS, so it names it too).
const FILES_VARIABLE = 'MUTATION_TEST_FILES';

class ByFileRunner {
  #inner;
  #files;
  constructor(inner) {
    this.#inner = inner;
  }
  init() {
    return this.#inner.init?.();
  }
  dispose() {
    return this.#inner.dispose?.();
  }
  capabilities() {
    return this.#inner.capabilities();
  }
  async dryRun(options) {
    const result = await this.#inner.dryRun(options);
    if (result.status === 'complete') {
      const files = {};
      for (const test of result.tests) {
        const of = (files[test.id] ??= []);
        if (!of.includes(test.fileName)) of.push(test.fileName);
      }
      writeFileSync(mapFile(), JSON.stringify(files));
    }
    return result;
  }
  async mutantRun(options) {
    const files = options.testFilter && this.#filesOf(options.testFilter);
    if (files) process.env[FILES_VARIABLE] = JSON.stringify(files);
    try {
      return await this.#inner.mutantRun(options);
    } finally {
      delete process.env[FILES_VARIABLE];
    }
  }
  // undefined (every file) when a covering test is not in the map: never narrower than we know.
  #filesOf(testIds) {
    this.#files ??= JSON.parse(readFileSync(mapFile(), 'utf8'));
    const files = new Set();
    for (const id of testIds) {
      const of = Object.hasOwn(this.#files, id) ? this.#files[id] : undefined;
      if (!of) return undefined;
      for (const file of of) files.add(file);
    }
    return [...files];
  }
}

function byFileFactory(injector) {
  return new ByFileRunner(jestFactory(injector));
}
byFileFactory.inject = tokens(commonTokens.injector);

export const strykerPlugins = [declareFactoryPlugin(PluginKind.TestRunner, 'jest-by-file', byFileFactory)];
