'use strict';
// Jest reporter: adds the coverage of child processes that run the built package (dist/) to Jest's
// own coverage, so that the CLI bin, the close() leak check and the Redis fleet children count.
//
// How: while coverage is on, NODE_V8_COVERAGE is set before Jest starts its workers, so every child
// they spawn writes V8 coverage on exit. After each test file, this reporter reads what its
// children wrote, keeps the scripts under dist/, and appends them to that file's own V8 coverage
// with dist's source maps (tsc emits them with the sources inline). Jest's coverage reporter runs
// after the custom reporters, maps them onto lib/*.ts, merges them with the in-process coverage,
// and applies coverageThreshold to the sum.
const { mkdirSync, readdirSync, readFileSync, rmSync, existsSync } = require('node:fs');
const { join } = require('node:path');
const { fileURLToPath } = require('node:url');

const root = join(__dirname, '..', '..');
const dist = join(root, 'dist') + '/';

class ChildCoverageReporter {
  constructor(globalConfig) {
    this.enabled = globalConfig.collectCoverage && globalConfig.coverageProvider === 'v8';
    if (!this.enabled) return;
    this.dir = join(root, 'coverage', '.children');
    rmSync(this.dir, { recursive: true, force: true });
    mkdirSync(this.dir, { recursive: true });
    process.env.NODE_V8_COVERAGE = this.dir;
    this.files = 0;
  }

  onTestFileResult(_test, testResult) {
    if (!this.enabled || testResult.v8Coverage === undefined) return;
    for (const name of readdirSync(this.dir)) {
      const path = join(this.dir, name);
      let report;
      try {
        report = JSON.parse(readFileSync(path, 'utf8'));
      } catch {
        continue; // still being written by a child that has not exited: the next file's turn
      }
      rmSync(path, { force: true });
      for (const script of report.result) {
        if (!script.url.startsWith('file://')) continue;
        const file = fileURLToPath(script.url);
        if (!file.startsWith(dist) || !file.endsWith('.js') || !existsSync(`${file}.map`)) continue;
        testResult.v8Coverage.push({
          codeTransformResult: { code: readFileSync(file, 'utf8'), originalCode: '', sourceMapPath: `${file}.map` },
          result: { ...script, url: file },
        });
        this.files++;
      }
    }
  }

  getLastError() {
    return undefined;
  }
}

module.exports = ChildCoverageReporter;
