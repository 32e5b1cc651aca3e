import { execFile, execFileSync } from 'node:child_process';
import { rmSync, writeFileSync, readFileSync, copyFileSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

// `npm test` builds dist/ first (pretest). This packs it as a user would receive it and installs
// the tarball into a fresh consumer project (its dependencies from the local npm cache). The
// consumer lives below the repository, so that express 4 and 5, connect and typescript resolve
// from the repository's own node_modules without another download.
const root = join(__dirname, '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const run = promisify(execFile);
let consumer: string;
let files: string[];

beforeAll(() => {
  consumer = mkdtempSync(join(root, '.consumers-'));
  const packed = JSON.parse(
    execFileSync(npm, ['pack', '--json', '--ignore-scripts', '--pack-destination', consumer], { cwd: root, encoding: 'utf8' }),
  ) as { filename: string; files: { path: string }[] }[];
  files = packed[0]!.files.map((f) => f.path);
  // An ESM project: its TypeScript compiles against the package's ESM types (index.d.mts).
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, type: 'module' }));
  execFileSync(npm, ['install', join(consumer, packed[0]!.filename), '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts'], {
    cwd: consumer,
    stdio: 'pipe',
  });
  for (const file of ['run-framework.cjs', 'index.ts']) copyFileSync(join(__dirname, 'consumers', file), join(consumer, file));
  copyFileSync(join(__dirname, 'consumers', 'tsconfig.consumer.json'), join(consumer, 'tsconfig.json'));
  // Every TypeScript sample of the README, compiled as a consumer would write it. Samples that
  // continue an earlier one (using `app`, `mcaOAuth`) get the imports they assume.
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const samples = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
  if (samples.length < 4) throw new Error('README lost its TypeScript samples');
  samples.forEach((sample, i) => {
    const prelude = [
      /import express/.test(sample) || !/\bapp\./.test(sample) ? '' : "import express from 'express';\nconst app = express();",
      /import \{[^}]*mcaOAuth/.test(sample) || !/mcaOAuth\(/.test(sample) ? '' : "import { mcaOAuth } from 'express-mca-oauth';",
    ].join('\n');
    writeFileSync(join(consumer, `readme-${i}.ts`), `${prelude}\n${sample}\nexport {};\n`);
  });
}, 120_000);

afterAll(() => rmSync(consumer, { recursive: true, force: true }));

const node = (args: string[]) => run(process.execPath, args, { cwd: consumer, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });

describe('the packed tarball, from consumer projects', () => {
  it('ships dist and the README, not the sources or tests', () => {
    expect(files).toEqual(
      expect.arrayContaining(['dist/index.js', 'dist/index.mjs', 'dist/index.d.ts', 'dist/index.d.mts', 'dist/cli.js', 'dist/redis/index.js', 'README.md', 'package.json']),
    );
    expect(files.some((f) => f.startsWith('lib/') || f.startsWith('test/') || f.startsWith('bench/'))).toBe(false);
  });

  it('loads with require() (CJS)', async () => {
    const { stdout } = await node([
      '-e',
      "const m = require('express-mca-oauth'); const r = require('express-mca-oauth/redis'); console.log(typeof m.mcaOAuth, m.getAuthorizationHeaderBySecret === m.getAuthorizationHeader, typeof r.redisTokenStore)",
    ]);
    expect(stdout.trim()).toBe('function true function');
  });

  it('loads with import (ESM), sharing the one CJS instance', async () => {
    const { stdout } = await node([
      '--input-type=module',
      '-e',
      "import { mcaOAuth, McaConfigError } from 'express-mca-oauth'; import { redisTokenStore } from 'express-mca-oauth/redis'; import { createRequire } from 'node:module'; const cjs = createRequire(import.meta.url)('express-mca-oauth'); try { mcaOAuth({ env: {}, envFile: false }); } catch (e) { console.log(e.code, e instanceof McaConfigError, cjs.McaConfigError === McaConfigError, typeof redisTokenStore); }",
    ]);
    expect(stdout.trim()).toBe('ERR_MCA_MISSING_CLIENT_ID true true function');
  });

  it('type-checks a TypeScript consumer (module nodenext) using req.mcaClient.get with no casts, and the README samples', async () => {
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    // tsc reports on stdout; comparing it to '' shows the errors when there are any.
    const result = await node([tsc, '-p', 'tsconfig.json']).catch((error: { stdout?: string }) => error);
    expect(result.stdout).toBe('');
  }, 60_000);

  it.each(['express', 'express4', 'connect'])('runs under %s', async (framework) => {
    const { stdout } = await node(['run-framework.cjs', framework]);
    expect(JSON.parse(stdout)).toEqual({ framework, backend: { ok: true }, header: 'Bearer ' });
  });

  it('runs the CLI as the package bin', async () => {
    const { stdout } = await node([join(consumer, 'node_modules', '.bin', 'express-mca-oauth'), '--help']).catch(() =>
      node([join(consumer, 'node_modules', 'express-mca-oauth', 'dist', 'cli.js'), '--help']),
    );
    expect(stdout).toContain('Usage: express-mca-oauth');
  });

  it('is clean under publint', async () => {
    const { stdout } = await run(process.execPath, [join(root, 'node_modules', 'publint', 'src', 'cli.js'), '--strict'], { cwd: root, encoding: 'utf8' });
    expect(stdout).toContain('All good!');
  }, 60_000);
});
