import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// `npm test` builds dist/ first (pretest). This packs it as a user would receive it, installs the
// tarball into a fresh consumer project (dependencies from the local npm cache), and loads both
// entry points from there.
const root = join(__dirname, '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
let work: string;
let consumer: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'mca-pack-'));
  const packed = JSON.parse(execFileSync(npm, ['pack', '--json', '--ignore-scripts', '--pack-destination', work], { cwd: root, encoding: 'utf8' })) as {
    filename: string;
    files: { path: string }[];
  }[];
  const tarball = join(work, packed[0]!.filename);
  consumer = join(work, 'consumer');
  execFileSync('mkdir', ['-p', consumer]);
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }));
  execFileSync(npm, ['install', tarball, '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts'], {
    cwd: consumer,
    stdio: 'pipe',
  });
  writeFileSync(join(work, 'files.json'), JSON.stringify(packed[0]!.files.map((f) => f.path)));
}, 120_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

function run(args: string[]): string {
  return execFileSync(process.execPath, args, { cwd: consumer, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
}

describe('the packed tarball', () => {
  it('ships dist and the README, not the sources or tests', () => {
    const files = JSON.parse(readFileSync(join(work, 'files.json'), 'utf8')) as string[];
    expect(files).toEqual(expect.arrayContaining(['dist/index.js', 'dist/index.mjs', 'dist/index.d.ts', 'dist/index.d.mts', 'README.md', 'package.json']));
    expect(files.some((f) => f.startsWith('lib/') || f.startsWith('test/'))).toBe(false);
  });

  it('loads with require() (CJS)', () => {
    const out = run(['-e', "const m = require('express-mca-oauth'); console.log(typeof m.mcaOAuth, typeof m.getAuthorizationHeader, m.getAuthorizationHeaderBySecret === m.getAuthorizationHeader)"]);
    expect(out.trim()).toBe('function function true');
  });

  it('loads with import (ESM), sharing the one CJS instance', () => {
    const out = run([
      '--input-type=module',
      '-e',
      "import { mcaOAuth, McaConfigError } from 'express-mca-oauth'; import { createRequire } from 'node:module'; const cjs = createRequire(import.meta.url)('express-mca-oauth'); try { mcaOAuth({ env: {}, envFile: false }); } catch (e) { console.log(e.code, e instanceof McaConfigError, cjs.McaConfigError === McaConfigError); }",
    ]);
    expect(out.trim()).toBe('ERR_MCA_MISSING_CLIENT_ID true true');
  });
});
