#!/usr/bin/env node
// `npm run mutation [-- module…]`: StrykerJS over the code that decides who gets a credential and
// what leaves the process, one module at a time. Each module has its own incremental file under
// stryker/ (committed), so a rerun tests only the mutants whose code or covering tests changed, and
// its own report under reports/mutation/<module>/. With no module named, every module runs in turn.
// Stryker's own options pass through after `--`: `npm run mutation -- fetch -- --concurrency 1`.
'use strict';
const { spawnSync } = require('node:child_process');
const { mkdirSync, readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const MODULES = {
  outbound: ['lib/outbound/**/*.ts'],
  fetch: ['lib/fetch/**/*.ts'],
  client: ['lib/client/**/*.ts'],
  config: ['lib/config/**/*.ts'],
  redis: ['lib/redis/key-state.ts', 'lib/redis/fleet-key.ts', 'lib/redis/fleet-lock.ts'],
  'client-auth': ['lib/core/client-auth/**/*.ts'],
};

const root = join(__dirname, '..');
const args = process.argv.slice(2);
const split = args.indexOf('--');
const names = split === -1 ? args : args.slice(0, split);
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
    mutate: MODULES[name],
    incrementalFile: `stryker/${name}.incremental.json`,
    htmlReporter: { fileName: `${reports}/index.html` },
    jsonReporter: { fileName: `${reports}/mutation.json` },
  };
  const file = join(reports, 'stryker.config.json');
  writeFileSync(join(root, file), `${JSON.stringify(config, null, 2)}\n`);
  console.log(`\n=== mutation: ${name} (${MODULES[name].join(', ')}) ===`);
  const run = spawnSync(process.execPath, [join(root, 'node_modules', '@stryker-mutator', 'core', 'bin', 'stryker.js'), 'run', file, ...passThrough], {
    cwd: root,
    stdio: 'inherit',
  });
  if (run.status !== 0) failed++;
}
process.exit(failed > 0 ? 1 : 0);
