#!/usr/bin/env node
// `npm run mutation [-- module…]`: StrykerJS over the code that decides who gets a credential and
// what leaves the process, one module at a time. Each module has its own incremental file under
// stryker/ (committed), so a rerun tests only the mutants whose code or covering tests changed, and
// its own report under reports/mutation/<module>/. With no module named, every module runs in turn.
// Stryker's own options pass through after `--`: `npm run mutation -- fetch -- --concurrency 1`.
// A module's incremental file belongs to its test selection: after `--all-tests`, rerun with `--force`.
'use strict';
const { spawnSync } = require('node:child_process');
const { mkdirSync, readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

// The suites of client authentication (every grant and key), and of the Redis store.
const CLIENT_AUTH_SUITES = [
  'test/client-auth.test.ts',
  'test/client-auth/**',
  'test/client-secret-methods.test.ts',
  'test/key-material.test.ts',
  'test/token-file-check.test.ts',
  'test/oauth-server/**',
  'test/iam/**',
];
const REDIS_SUITES = ['test/redis/**', 'test/backends/per-backend-redis.test.ts'];

// Each module's code, and the suites that exercise it. A mutant run is one Jest run, by name
// filter, over those of the module's test files that hold the tests covering the mutant
// (scripts/mutation/): the dry run runs every file of `tests`. Over the whole suite, each of the
// fetch module's 262 mutants cost ~25 s on 2 loaded cores (2 hours); over its suites, a few
// seconds. `--all-tests` runs a module against the whole suite instead.
const MODULES = {
  outbound: {
    mutate: ['lib/outbound/**/*.ts'],
    tests: [
      'test/outbound/**',
      'test/client/**',
      'test/fetch/**',
      'test/backends/**',
      'test/allowlist-*.test.ts',
      'test/final-url.test.ts',
      'test/faults/backend-faults.test.ts',
      'test/middleware.test.ts',
      'test/express/**',
      // Tokens on behalf of the user and DPoP proofs are outbound decisions too (token-target, dpop-proof).
      'test/on-behalf-of/**',
      'test/dpop/**',
    ],
  },
  fetch: {
    mutate: ['lib/transports/fetch/**/*.ts'],
    tests: ['test/fetch/**', 'test/backends/**', 'test/client/outbound-decisions.test.ts', 'test/outbound/**', 'test/dpop/**'],
  },
  axios: {
    mutate: ['lib/transports/axios/**/*.ts'],
    tests: [
      'test/outbound/**',
      'test/client/**',
      'test/backends/**',
      'test/allowlist-*.test.ts',
      'test/final-url.test.ts',
      'test/faults/backend-faults.test.ts',
      'test/middleware.test.ts',
      'test/express/**',
      'test/config-decisions.test.ts',
      // A request's `req.mcaClient` under `onBehalfOf` is a bound view (bound-client.ts); DPoP
      // proofs ride the same adapter.
      'test/on-behalf-of/**',
      'test/dpop/**',
    ],
  },
  settings: {
    // cleartext.ts moved under the token core (issue 23), but its rule is still checked by these suites.
    mutate: ['lib/settings/**/*.ts', 'lib/token/cleartext.ts'],
    tests: [
      'test/config*.test.ts',
      'test/option-keys.test.ts',
      'test/allowlist-hardening.test.ts',
      'test/special-files.test.ts',
      'test/private-key-strength.test.ts',
      'test/token-request.test.ts',
      'test/cli.test.ts',
      'test/cli/**',
      // Every suite of protectedBackends: what an entry may hold is decided in resolve-backends.ts.
      'test/backends/**',
      'test/seed/**',
      // The loopback rule (cleartext.ts) also decides a caller's axios proxy host, which is a name as
      // typed, not a URL's normalized host.
      'test/client/outbound-escapes.test.ts',
      // Which client authentication a configuration resolves to (resolve-client-auth.ts) and which
      // Redis the environment binds (redis-binding.ts) are checked by those modules' suites: without
      // them a third of those two files' mutants had no covering test.
      ...CLIENT_AUTH_SUITES,
      ...REDIS_SUITES,
      // Where each setting came from, and what an entry inherits.
      'test/provenance.test.ts',
      'test/prototype-pollution.test.ts',
      'test/entry-overlay.test.ts',
      'test/settings-call-path.test.ts',
      'test/entry-error-scope.test.ts',
      // The settings table is also the documentation: a row's variable, default or line that differs
      // from docs/configuration.md is a change a reader meets. (test/settings-table.test.ts, which
      // reads the option types' source, cannot run here: StrykerJS instruments that source.)
      'test/settings-reference.test.ts',
      // The table's lookups of a key it does not know (a variable-less option, a mistyped store option).
      'test/settings-table-lookups.test.ts',
      // `onBehalfOf` and `dpopKey` are read in lib/settings/ (resolve-on-behalf-of.ts, resolve-dpop-key.ts); their suites check them.
      'test/on-behalf-of/**',
      'test/dpop/**',
    ],
  },
  redis: {
    mutate: ['lib/redis/key-state.ts', 'lib/redis/fleet-key.ts', 'lib/redis/fleet-lock.ts'],
    tests: [...REDIS_SUITES, 'test/iam/iam-redis.test.ts'],
  },
  'client-auth': {
    mutate: ['lib/token/client-auth/**/*.ts'],
    tests: [
      ...CLIENT_AUTH_SUITES,
      'test/seed/**',
      'test/token-request.test.ts',
      'test/token-hardening.test.ts',
      'test/private-key-strength.test.ts',
      'test/special-files.test.ts',
      'test/config-decisions.test.ts',
    ],
  },
};

const root = join(__dirname, '..');
const args = process.argv.slice(2);
const split = args.indexOf('--');
const ours = split === -1 ? args : args.slice(0, split);
const allTests = ours.includes('--all-tests');
const names = ours.filter((arg) => arg !== '--all-tests');
const passThrough = split === -1 ? [] : args.slice(split + 1);
const unknown = names.filter((name) => !Object.hasOwn(MODULES, name));
if (unknown.length > 0) {
  console.error(`Unknown module ${unknown.join(', ')}. Modules: ${Object.keys(MODULES).join(', ')}.`);
  process.exit(2);
}

const base = JSON.parse(readFileSync(join(root, 'stryker.config.json'), 'utf8'));
let failed = 0;
for (const name of names.length > 0 ? names : Object.keys(MODULES)) {
  const reports = join('reports', 'mutation', name);
  mkdirSync(join(root, reports), { recursive: true });
  const config = {
    ...base,
    $schema: undefined,
    mutate: MODULES[name].mutate,
    jest: allTests
      ? base.jest
      : {
          ...base.jest,
          config: { ...base.jest.config, testMatch: MODULES[name].tests.map((glob) => `<rootDir>/${glob.endsWith('**') ? `${glob}/*.test.ts` : glob}`) },
        },
    incrementalFile: `stryker/${name}.incremental.json`,
    htmlReporter: { fileName: `${reports}/index.html` },
    jsonReporter: { fileName: `${reports}/mutation.json` },
  };
  const file = join(reports, 'stryker.config.json');
  writeFileSync(join(root, file), `${JSON.stringify(config, null, 2)}\n`);
  console.log(`\n=== mutation: ${name} (${MODULES[name].mutate.join(', ')}; ${allTests ? 'every suite' : MODULES[name].tests.join(', ')}) ===`);
  const run = spawnSync(process.execPath, [join(root, 'node_modules', '@stryker-mutator', 'core', 'bin', 'stryker.js'), 'run', file, ...passThrough], {
    cwd: root,
    stdio: 'inherit',
  });
  if (run.status !== 0) failed++;
}
process.exit(failed > 0 ? 1 : 0);
