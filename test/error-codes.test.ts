import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ERROR_CODES, WARNING_CODES } from '../lib/errors/error-codes';
import { errorCodeUsage, type ErrorCodeUsage } from './helpers/error-code-usage';

// The registry (lib/errors/error-codes.ts) is the one list of codes; docs/errors.md is written
// from it. These tests hold it against the source both ways, and the guide against the registry.
const root = join(__dirname, '..');

const registered = ERROR_CODES.flatMap((entry) => entry.codes);

function libFiles(dir = join(root, 'lib')): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? libFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

describe('the error-code registry', () => {
  let usage: ErrorCodeUsage;
  beforeAll(() => {
    // The settings table's derived lists are read from the loaded modules (ts-jest runs them).
    usage = errorCodeUsage(root, ['lib/errors/error-codes.ts'], (file) => jest.requireActual<Record<string, unknown>>(file));
  });

  it('reads the codes built from templates, not only the ones written out', () => {
    const built = [...usage.built.values()].flat();
    // Built through constantCase (a digit after a letter), through toUpperCase, and from an object's keys.
    expect(built).toEqual(expect.arrayContaining(['ERR_MCA_INVALID_RETRY_ON_401', 'ERR_MCA_INVALID_X5T', 'ERR_MCA_REFUSED_AXIOS_HTTP_2_OPTIONS']));
    expect(built).not.toContain('ERR_MCA_INVALID_X_5T');
    expect(usage.built.size).toBeGreaterThanOrEqual(10);
  });

  it('follows every field that reaches a template to the values it can hold', () => {
    expect(usage.unresolved).toEqual([]);
    // Known and left as they are: the field is a VCAP path with the service's name in it, so the
    // code (ERR_MCA_INVALID_VCAP_SERVICES SERVICE "…" CREDENTIALS.PORT) is no fixed string.
    expect(usage.dynamicFields).toEqual([
      'lib/settings/redis-binding.ts:93: `${where} credentials.${field}`',
      'lib/settings/redis-binding.ts:98: `${where} credentials.port`',
    ]);
  });

  it('lists every code lib/ can raise', () => {
    expect(usage.codes.length).toBeGreaterThan(100);
    expect(usage.codes.filter((code) => !registered.includes(code))).toEqual([]);
  });

  it('lists no code that lib/ never raises', () => {
    expect(registered.filter((code) => !usage.codes.includes(code))).toEqual([]);
  });

  it('lists each code once, and a family row only codes of its family', () => {
    expect(registered.filter((code, i) => registered.indexOf(code) !== i)).toEqual([]);
    for (const entry of ERROR_CODES) {
      expect(entry.examples?.filter((code) => !entry.codes.includes(code)) ?? []).toEqual([]);
      const prefix = entry.family?.replace(/<[A-Z]+>$/, '');
      if (prefix !== undefined) expect(entry.codes.filter((code) => !code.startsWith(prefix))).toEqual([]);
    }
  });

  it('lists exactly the process-warning codes lib/ emits', () => {
    const emitted = libFiles()
      .map((file) => readFileSync(file, 'utf8'))
      .filter((text) => text.includes('process.emitWarning('))
      .flatMap((text) => [...text.matchAll(/\bcode: '(MCA_[A-Z0-9_]+)'/g)].map((m) => m[1]!));
    expect(emitted.length).toBeGreaterThanOrEqual(3);
    expect(WARNING_CODES.map((w) => w.code).sort()).toEqual([...new Set(emitted)].sort());
  });
});

describe('docs/errors.md', () => {
  it('is what `npm run docs:errors` generates from the registry', () => {
    // A child process: prettier formats the tables, and its ESM loading does not run inside Jest's VM.
    const check = spawnSync(process.execPath, [join(root, 'scripts', 'docs-errors.js'), '--check'], { encoding: 'utf8' });
    expect(check.stderr).toBe('');
    expect(check.status).toBe(0);
  });

  it('the check fails, naming the command, when the guide is not what the registry generates', () => {
    const stale = readFileSync(join(root, 'docs', 'errors.md'), 'utf8').replace('`ERR_MCA_CLOSED`', '`ERR_MCA_CLOSED_`');
    const check = spawnSync(process.execPath, [join(root, 'scripts', 'docs-errors.js'), '--check', '--guide=-'], { encoding: 'utf8', input: stale });
    expect(check.status).toBe(1);
    expect(check.stderr).toContain('Run `npm run docs:errors`');
  });

  it('names every registered code and warning', () => {
    const guide = readFileSync(join(root, 'docs', 'errors.md'), 'utf8');
    const named = (code: string): boolean => new RegExp(`\`${code}\``).test(guide);
    expect(registered.filter((code) => !named(code))).toEqual([]);
    expect(WARNING_CODES.map((w) => w.code).filter((code) => !named(code))).toEqual([]);
  });
});
