#!/usr/bin/env node
// Writes the reference tables of docs/errors.md from lib/errors/error-codes.ts, between the marker
// comments; the prose around them is hand-written and kept. `npm run docs:errors` rewrites the
// file; `--check` only says whether it is current (test/error-codes.test.ts checks the same).
'use strict';
const { readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const Module = require('node:module');

const root = join(__dirname, '..');
const GUIDE = join(root, 'docs', 'errors.md');
const REGISTRY = join(root, 'lib', 'errors', 'error-codes.ts');
const COMMAND = 'npm run docs:errors';

/** The registry module, transpiled in memory: it is data with no imports, and not part of dist/. */
function loadRegistry() {
  const ts = require('typescript');
  const { outputText } = ts.transpileModule(readFileSync(REGISTRY, 'utf8'), {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
    fileName: REGISTRY,
  });
  const module = new Module(REGISTRY);
  module._compile(outputText, REGISTRY);
  return module.exports;
}

// A `|` inside a cell, even in a code span, would end the cell.
const cell = (text) => text.replace(/\|/g, '\\|');
const code = (name) => `\`${name}\``;
const row = (cells) => `| ${cells.map(cell).join(' | ')} |`;
const table = (head, rows) => [row(head), row(head.map(() => '---')), ...rows.map(row)].join('\n');

function codesCell(entry) {
  if (entry.family && entry.examples) return `${code(entry.family)} (e.g. ${entry.examples.map(code).join(', ')})`;
  const list = entry.codes.map(code).join(', ');
  if (entry.family) return `${code(entry.family)}: ${list}`;
  return entry.note ? `${list} (${entry.note})` : list;
}

/** The generated part of each marked region, by region name. */
function regions(registry) {
  const errors = table(
    ['code', 'class', 'when', 'what to do'],
    registry.ERROR_CODES.map((entry) => [codesCell(entry), registry.RAISED_AS_LABEL[entry.raisedAs], entry.when, entry.fix]),
  );
  // A row that shows examples lists every code of its family here, so that each code is in the guide.
  const families = registry.ERROR_CODES.filter((entry) => entry.family && entry.examples).map(
    (entry) => `The codes of the ${code(entry.family)} row (codes with a row of their own are in the table above): ${entry.codes.map(code).join(', ')}.`,
  );
  const warnings = table(
    ['code', 'when', 'what to do'],
    registry.WARNING_CODES.map((entry) => [code(entry.code), entry.when, entry.fix]),
  );
  return { 'error-codes': [errors, ...families].join('\n\n'), 'warning-codes': warnings };
}

const begin = (name) => `<!-- ${name}: generated from lib/errors/error-codes.ts by \`${COMMAND}\`; edit there, not here -->`;
const end = (name) => `<!-- /${name} -->`;

/** docs/errors.md with each marked region replaced; the text outside the markers is kept as it is. */
function renderGuide(text, registry) {
  let out = text;
  for (const [name, body] of Object.entries(regions(registry))) {
    const start = out.indexOf(begin(name));
    const stop = out.indexOf(end(name));
    if (start === -1 || stop < start) throw new Error(`docs/errors.md lacks the markers of "${name}": ${begin(name)} … ${end(name)}`);
    out = `${out.slice(0, start + begin(name).length)}\n\n${body}\n\n${out.slice(stop)}`;
  }
  return out;
}

/** The guide as the command writes it: rendered, then formatted as `prettier --check` expects. */
async function generateGuide(registry = loadRegistry(), text = readFileSync(GUIDE, 'utf8')) {
  const prettier = require('prettier');
  const options = (await prettier.resolveConfig(GUIDE)) ?? {};
  return prettier.format(renderGuide(text, registry), { ...options, filepath: GUIDE });
}

module.exports = { generateGuide, renderGuide, loadRegistry, COMMAND };

if (require.main === module) {
  // `--guide=-` reads the guide to check from stdin (the test's way to show a stale one is caught).
  const current = process.argv.includes('--guide=-') ? readFileSync(0, 'utf8') : readFileSync(GUIDE, 'utf8');
  generateGuide(loadRegistry(), current)
    .then((guide) => {
      if (process.argv.includes('--check')) {
        if (guide !== current) {
          console.error(`docs/errors.md is not what lib/errors/error-codes.ts generates. Run \`${COMMAND}\`.`);
          process.exitCode = 1;
        }
        return;
      }
      if (process.argv.includes('--guide=-')) throw new Error('--guide=- only checks; it writes nothing');
      if (guide !== current) writeFileSync(GUIDE, guide);
      console.log(guide === current ? 'docs/errors.md is current.' : 'docs/errors.md written.');
    })
    .catch((error) => {
      console.error(error instanceof Error ? error.message : error);
      process.exitCode = 1;
    });
}
