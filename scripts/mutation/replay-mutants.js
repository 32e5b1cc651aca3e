#!/usr/bin/env node
// Replays StrykerJS mutants by hand, one at a time: to see a new test kill the mutants it was
// written for without a StrykerJS run (minutes, not an hour), and to check a mutant StrykerJS
// counted as timed out on a loaded machine.
//
//   node scripts/mutation/replay-mutants.js <checkout> <report.json> <lib/file.ts>
//        [--lines A-B] [--ids 1,2] [--statuses Survived,NoCoverage] [--auto] [-- test files…]
//
// <report.json> is a module's report or incremental file (stryker/<module>.incremental.json).
// Each chosen mutant is written into <checkout>'s copy of the file (with `// @ts-nocheck`
// prepended, as StrykerJS does), `npx jest --coverage=false` runs the test files given after `--`
// (with `--auto`, also those whose tests covered the mutant in the report), and the file is
// restored. KILLED: Jest failed (TIMEOUT: it ran past 180 s); UNRUN: Jest did not finish for
// another reason. A mutant whose original text is no longer at its place (the file changed since
// the report) is skipped.
'use strict';
const { readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { spawnSync } = require('node:child_process');

const JEST_TIMEOUT_MS = 180_000;
const EXPRESSION_MUTATORS = new Set(['LogicalOperator', 'ConditionalExpression', 'EqualityOperator', 'ArithmeticOperator']);

function parseArgs(argv) {
  const dashes = argv.indexOf('--');
  const own = dashes >= 0 ? argv.slice(0, dashes) : argv;
  const option = (name) => {
    const at = own.indexOf(name);
    return at >= 0 ? own[at + 1] : undefined;
  };
  const [checkout, report, file] = own;
  if (!checkout || !report || !file) {
    console.error('usage: replay-mutants.js <checkout> <report.json> <lib/file.ts> [--lines A-B] [--ids 1,2] [--statuses …] [--auto] [-- tests…]');
    process.exit(2);
  }
  return {
    checkout,
    report,
    file,
    lines: option('--lines')?.split('-').map(Number),
    ids: option('--ids')?.split(','),
    statuses: (option('--statuses') ?? 'Survived,NoCoverage').split(','),
    auto: own.includes('--auto'),
    tests: dashes >= 0 ? argv.slice(dashes + 1) : [],
  };
}

/** The offset in `source` of a report location (1-based line and column). */
function offsetOf(source, { line, column }) {
  const lines = source.split('\n');
  let offset = 0;
  for (let i = 0; i < line - 1; i++) offset += lines[i].length + 1;
  return offset + column - 1;
}

function main() {
  const args = parseArgs(process.argv.slice(2));
  const report = JSON.parse(readFileSync(args.report, 'utf8'));
  const entry = report.files[args.file];
  if (!entry) {
    console.error(`${args.file} is not in ${args.report}`);
    process.exit(2);
  }
  const fileOfTest = new Map();
  for (const [testFile, { tests }] of Object.entries(report.testFiles ?? {})) for (const test of tests) fileOfTest.set(test.id, testFile);
  const target = join(args.checkout, args.file);
  const original = readFileSync(target, 'utf8');
  const restore = () => writeFileSync(target, original);
  process.on('SIGINT', () => {
    restore();
    process.exit(130);
  });
  const counts = { killed: 0, survived: 0, skipped: 0, unrun: 0 };
  try {
    for (const mutant of entry.mutants) {
      const line = mutant.location.start.line;
      if (!args.statuses.includes(mutant.status)) continue;
      if (args.ids && !args.ids.includes(String(mutant.id))) continue;
      if (args.lines && (line < args.lines[0] || line > args.lines[1])) continue;
      const start = offsetOf(entry.source, mutant.location.start);
      const text = entry.source.slice(start, offsetOf(entry.source, mutant.location.end));
      const at = offsetOf(original, mutant.location.start);
      const files = new Set(args.tests);
      if (args.auto) for (const test of mutant.coveredBy ?? []) if (fileOfTest.has(test)) files.add(fileOfTest.get(test));
      if (original.slice(at, at + text.length) !== text || files.size === 0) {
        counts.skipped++;
        console.log(`SKIP     #${mutant.id} L${line} (${files.size === 0 ? 'no tests' : 'its text moved'})`);
        continue;
      }
      // StrykerJS replaces a node of the syntax tree, so an operator mutant inside a longer chain
      // keeps its grouping (`a && (b || c) && d`); pasted as bare text it would regroup
      // (`a && b || c && d`) and replay another mutant. Expression mutants go in parentheses, but not
      // a whole statement that ConditionalExpression replaces (`for (;;)` -> `for (; false;)`): in
      // parentheses it is a syntax error, which fails every suite that loads the file, a false KILLED.
      // No expression starts with these keywords.
      const statement = /^(?:for|while|do|if|switch|case|default)\b/.test(mutant.replacement);
      const replacement = EXPRESSION_MUTATORS.has(mutant.mutatorName) && !statement ? `(${mutant.replacement})` : mutant.replacement;
      writeFileSync(target, '// @ts-nocheck\n' + original.slice(0, at) + replacement + original.slice(at + text.length));
      const run = spawnSync('npx', ['jest', '--coverage=false', '--silent', ...files], {
        cwd: args.checkout,
        encoding: 'utf8',
        timeout: JEST_TIMEOUT_MS,
        // Failing redaction suites print whole requests: past the default 1 MiB, Node killed Jest
        // mid-run, and the kill read as a TIMEOUT of a mutant whose tests had not finished.
        maxBuffer: 256 * 1024 * 1024,
        env: { ...process.env, CI: 'true' },
      });
      restore();
      const timedOut = run.error?.code === 'ETIMEDOUT';
      if (run.error && !timedOut) {
        // Jest did not finish for another reason (ENOBUFS, spawn failure): no verdict either way.
        counts.unrun++;
        console.log(`UNRUN    #${mutant.id} L${line}:${mutant.location.start.column} ${mutant.mutatorName}: ${run.error.code ?? run.error.message}`);
        continue;
      }
      const killed = run.status !== 0;
      counts[killed ? 'killed' : 'survived']++;
      const label = killed ? (timedOut ? 'TIMEOUT' : 'KILLED') : 'SURVIVED';
      const failed = killed ? ` ${((run.stdout + run.stderr).match(/✕ .*/) ?? [''])[0].slice(0, 100)}` : '';
      console.log(
        `${label.padEnd(8)} #${mutant.id} L${line}:${mutant.location.start.column} ${mutant.mutatorName} -> ${JSON.stringify(mutant.replacement).slice(0, 70)}${failed}`,
      );
    }
  } finally {
    restore();
  }
  console.log(`killed ${counts.killed}, survived ${counts.survived}, skipped ${counts.skipped}, unrun ${counts.unrun}`);
}

main();
