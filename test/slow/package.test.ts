import { execFile, execFileSync } from 'node:child_process';
import { rmSync, writeFileSync, readFileSync, readdirSync, cpSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

// `npm run test:slow` (CI runs it after `npm test`) builds dist/ first. This packs it once, as a user
// would receive it, and installs the tarball into one fresh consumer project (its dependencies from
// the local npm cache) that every consumer below shares. The consumer lives below the repository,
// so that express 4 and 5, connect and typescript resolve from the repository's own node_modules
// without another download. Not part of `npm test`: four tsc runs, a Jest, a Vitest and npm itself
// are a minute of CPU on a 2-core machine, and they test the package, not a code path.
const root = join(__dirname, '..', '..');
const consumers = join(root, 'test', 'consumers');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const run = promisify(execFile);
// The child gets none of this Jest's worker variables, so a Jest consumer starts as a user's would;
// no colours, so that the runners' summaries can be matched; and no NODE_V8_COVERAGE: these children
// run the installed copy, not dist/, so their coverage (tsc's alone is megabytes) is of no use.
const childEnv = () =>
  Object.fromEntries(Object.entries({ ...process.env, NODE_OPTIONS: '', NO_COLOR: '1' }).filter(([k]) => !k.startsWith('JEST_') && k !== 'NODE_V8_COVERAGE'));
let consumer: string;
let files: string[];
let packedFile: string;

beforeAll(() => {
  consumer = mkdtempSync(join(root, '.consumers-'));
  const packed = JSON.parse(
    execFileSync(npm, ['pack', '--json', '--ignore-scripts', '--pack-destination', consumer], { cwd: root, encoding: 'utf8', env: childEnv() }),
  ) as { filename: string; files: { path: string }[] }[];
  files = packed[0]!.files.map((f) => f.path);
  packedFile = join(consumer, packed[0]!.filename);
  // An ESM project: its TypeScript compiles against the package's ESM types (index.d.mts).
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, type: 'module' }));
  execFileSync(npm, ['install', join(consumer, packed[0]!.filename), '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts'], {
    cwd: consumer,
    stdio: 'pipe',
    env: childEnv(),
  });
  // The sources of every consumer: the TypeScript projects (tsconfig*.json) and, in subfolders, a
  // Jest, a Vitest and a node --test project that find the installed package one folder up.
  cpSync(consumers, consumer, { recursive: true });
  cpSync(join(consumers, 'tsconfig.consumer.json'), join(consumer, 'tsconfig.json'));
  // Every TypeScript sample of the README and the guides in docs/, compiled as a consumer would
  // write it. Samples that continue an earlier one (using `app`, `mcaOAuth`) get the imports they assume.
  const guides = ['README.md', ...readdirSync(join(root, 'docs')).map((f) => join('docs', f))].filter((f) => f.endsWith('.md'));
  const samples = guides.flatMap((f) => [...readFileSync(join(root, f), 'utf8').matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!));
  if (samples.length < 8) throw new Error('README and docs/ lost their TypeScript samples');
  samples.forEach((sample, i) => {
    const prelude = [
      /import express/.test(sample) || !/\bapp\./.test(sample) ? '' : "import express from 'express';\nconst app = express();",
      /import \{[^}]*mcaOAuth/.test(sample) || !/mcaOAuth\(/.test(sample) ? '' : "import { mcaOAuth } from 'express-mca-oauth';",
    ].join('\n');
    writeFileSync(join(consumer, `readme-${i}.ts`), `${prelude}\n${sample}\nexport {};\n`);
  });
}, 120_000);

afterAll(() => rmSync(consumer, { recursive: true, force: true }));

const node = (args: string[], cwd = consumer) => run(process.execPath, args, { cwd, encoding: 'utf8', env: childEnv() });
// A failing child fails the test with what it printed (execFile's error message has only stderr).
const nodeOrExplain = (args: string[], cwd = consumer) =>
  node(args, cwd).catch((error: { stdout?: string; stderr?: string; message: string }) => {
    throw new Error(`${error.message}\n${error.stdout ?? ''}${error.stderr ?? ''}`);
  });
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');

describe('the packed tarball, from consumer projects', () => {
  it('ships dist and the README, not the sources or tests', () => {
    expect(files).toEqual(
      expect.arrayContaining([
        'dist/index.js',
        'dist/index.mjs',
        'dist/index.d.ts',
        'dist/index.d.mts',
        'dist/cli/main.js',
        'dist/redis/index.js',
        'dist/redis/index.d.mts',
        'dist/vendor/quick-lru.js',
        'redis/package.json',
        'README.md',
        'docs/configuration.md',
        'docs/testing.md',
        'LICENSE',
        'CHANGELOG.md',
        'package.json',
      ]),
    );
    expect(files.some((f) => f.startsWith('lib/') || f.startsWith('test/') || f.startsWith('bench/'))).toBe(false);
    // No `prepare` script: npm warns about it when a user installs the tarball.
    const installed = JSON.parse(readFileSync(join(consumer, 'node_modules', 'express-mca-oauth', 'package.json'), 'utf8')) as {
      scripts?: Record<string, string>;
    };
    expect(installed.scripts?.prepare).toBeUndefined();
    // npm's page renders the README: an image it shows, or a guide it links to, must not point at a
    // file left out of the package.
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const targets = [...readme.matchAll(/\]\(([^)\s#]+)(?:#[^)\s]*)?\)/g)].map((m) => m[1]!).filter((src) => !/^https?:/.test(src));
    expect(targets.length).toBeGreaterThan(5);
    expect(targets.filter((src) => !files.includes(src))).toEqual([]);
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

  // tsc exits 0 only when the project compiles; its errors (on stdout) land in the failure message.
  it.each([
    ['nodenext (ESM .ts and .mts, axios-retry, the README samples)', 'tsconfig.json'],
    ['moduleResolution bundler', 'tsconfig.bundler.json'],
    ['moduleResolution node10, with express-mca-oauth/redis', 'tsconfig.node10.json'],
  ])(
    'type-checks a TypeScript consumer: %s',
    async (_, project) => {
      const { stdout } = await nodeOrExplain([tsc, '-p', project]);
      expect(stdout).toBe('');
    },
    60_000,
  );

  it('types are real: a misuse of the package fails to compile', async () => {
    writeFileSync(join(consumer, 'misuse', 'index.ts'), "import { mcaOAuth } from 'express-mca-oauth';\nexport const n: number = mcaOAuth().client;\n");
    const failure = await node([tsc, '-p', 'misuse/tsconfig.json']).then(
      () => ({ stdout: 'compiled' }),
      (error: { stdout: string }) => error,
    );
    expect(failure.stdout).toMatch(/misuse\/index\.ts.*error TS2322: Type 'AxiosInstance' is not assignable to type 'number'/);
  }, 60_000);

  it('runs CommonJS tests under Jest with its default configuration and supertest (and the recipe of docs/testing.md, with nock)', async () => {
    const { stdout, stderr } = await nodeOrExplain([join(root, 'node_modules', 'jest', 'bin', 'jest.js'), '--ci'], join(consumer, 'jest'));
    expect(`${stdout}${stderr}`).toMatch(/Tests:\s+4 passed, 4 total/);
    expect(`${stdout}${stderr}`).toMatch(/PASS \.\/testing-your-app\.test\.js/);
  }, 60_000);

  it('runs an ESM test under Vitest', async () => {
    const { stdout } = await nodeOrExplain([join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run'], join(consumer, 'vitest'));
    expect(stdout).toMatch(/Tests\s+1 passed \(1\)/);
  }, 60_000);

  it('runs a test under node --test', async () => {
    const { stdout } = await nodeOrExplain(['--test', 'node-test/app.test.mjs']);
    expect(stdout).toMatch(/^# pass 1$/m);
    expect(stdout).toMatch(/^# fail 0$/m);
  }, 60_000);

  it.each(['express', 'express4', 'connect'])('runs under %s', async (framework) => {
    const { stdout } = await node(['run-framework.cjs', framework]);
    expect(JSON.parse(stdout)).toEqual({ framework, backend: { ok: true }, header: 'Bearer ' });
  });

  it('runs the CLI as the package bin', async () => {
    // Through the link npm made from `bin`, as `npx express-mca-oauth` runs it: no fallback.
    const bin = join(consumer, 'node_modules', '.bin', 'express-mca-oauth');
    const { stdout } = await nodeOrExplain([bin, '--help']);
    expect(stdout).toContain('Usage: express-mca-oauth');
    const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version as string;
    expect((await nodeOrExplain([bin, '--version'])).stdout.trim()).toBe(version);
  });

  it('is clean under publint', async () => {
    const { stdout } = await run(process.execPath, [join(root, 'node_modules', 'publint', 'src', 'cli.js'), '--strict'], {
      cwd: root,
      encoding: 'utf8',
      env: childEnv(),
    });
    expect(stdout).toContain('All good!');
  }, 60_000);

  it('is clean under attw for node10, node16 (CJS and ESM) and bundler', async () => {
    const { stdout } = await nodeOrExplain([join(root, 'node_modules', '@arethetypeswrong', 'cli', 'dist', 'index.js'), packedFile, '--format', 'json']);
    const report = JSON.parse(stdout) as {
      problems: Record<string, unknown>;
      analysis: { entrypoints: Record<string, { resolutions: Record<string, { resolution?: { fileName: string } }> }> };
    };
    expect(report.problems).toEqual({});
    // Every entry resolves to declarations under every mode (attw reports nothing for an entry it
    // did not see, so this pins the entries it must have checked).
    const entries = report.analysis.entrypoints;
    expect(Object.keys(entries).sort()).toEqual(['.', './package.json', './redis']);
    for (const entry of ['.', './redis']) {
      for (const mode of ['node10', 'node16-cjs', 'node16-esm', 'bundler']) {
        expect([entry, mode, entries[entry]!.resolutions[mode]?.resolution?.fileName]).toEqual([entry, mode, expect.stringMatching(/\.d\.m?ts$/)]);
      }
    }
  }, 60_000);
});
