// A StrykerJS test runner, `jest-by-file`: StrykerJS's own Jest runner, except that a mutant's run
// loads only the test files that hold the tests covering it.
//
// Why: the Jest runner narrows a mutant's run by test name only, so every mutant run loads every
// test file of the module's selection (3–4 s for outbound's 22 files before a single test runs).
// The dry run reports each test's file; we keep that map in the sandbox and hand the files of a
// mutant's covering tests to Jest's `filter` (./test-file-filter.cjs) through the environment. The
// same tests run, by the same name filter, so a mutant is killed or survives exactly as under the
// plain runner.
//
// It also bails, at file granularity. StrykerJS's Jest runner cannot (Jest's `bail` is not honoured
// through `runCLI`), so a killed mutant ran every covering test: for outbound-policy.ts, up to 45
// files of mostly HTTP suites (853 tests, 35 s in the dry run), although one unit test fails in a
// tenth of a second. So a mutant covered by tests in several files runs in two stages: first the
// file whose covering tests took least time in the dry run, then, if all of those pass, the other
// files. The verdict is the same (a mutant survives only when every covering test passes); the
// extra stage costs one Jest start, well inside the timeout's `timeoutMS` margin.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { commonTokens, declareFactoryPlugin, PluginKind, tokens } from '@stryker-mutator/api/plugin';
import { MutantRunStatus } from '@stryker-mutator/api/test-runner';
import { strykerPlugins as jestPlugins } from '@stryker-mutator/jest-runner';

const jestFactory = jestPlugins.find((plugin) => plugin.name === 'jest').factory;
// The dry run and the mutant runs happen in different worker processes; they share the sandbox.
const mapFile = () => join(process.cwd(), '.stryker-test-files.json');
// Each test's time in the dry run, by id: which covering file is cheapest to try first.
const costFile = () => join(process.cwd(), '.stryker-test-costs.json');
// The variable ./test-file-filter.cjs reads (Jest requires that file as CommonJS, so it names it too).
const FILES_VARIABLE = 'MUTATION_TEST_FILES';

class ByFileRunner {
  #inner;
  #files;
  #costs;
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
      const costs = {};
      for (const test of result.tests) {
        const of = (files[test.id] ??= []);
        if (!of.includes(test.fileName)) of.push(test.fileName);
        costs[test.id] = (costs[test.id] ?? 0) + (test.timeSpentMs ?? 0);
      }
      writeFileSync(mapFile(), JSON.stringify(files));
      writeFileSync(costFile(), JSON.stringify(costs));
    }
    return result;
  }
  async mutantRun(options) {
    const files = options.testFilter && this.#filesOf(options.testFilter);
    if (!files || files.length < 2 || options.disableBail || !existsSync(costFile())) return this.#runIn(files, options);
    const [first, ...rest] = this.#cheapestFirst(files, options.testFilter);
    const early = await this.#runIn([first], options);
    if (early.status !== MutantRunStatus.Survived) return early;
    const late = await this.#runIn(rest, options);
    return late.status === MutantRunStatus.Survived ? { ...late, nrOfTests: late.nrOfTests + early.nrOfTests } : late;
  }
  async #runIn(files, options) {
    if (files) process.env[FILES_VARIABLE] = JSON.stringify(files);
    try {
      return await this.#inner.mutantRun(options);
    } finally {
      delete process.env[FILES_VARIABLE];
    }
  }
  // The files ordered by the dry-run time of the mutant's covering tests in each.
  #cheapestFirst(files, testIds) {
    this.#costs ??= JSON.parse(readFileSync(costFile(), 'utf8'));
    const cost = new Map(files.map((file) => [file, 0]));
    for (const id of testIds) {
      for (const file of this.#files[id]) cost.set(file, cost.get(file) + (this.#costs[id] ?? 0));
    }
    return [...files].sort((a, b) => cost.get(a) - cost.get(b));
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
