import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { RedisTokenStoreOptions } from '../lib/redis/redis-store-options';
import { ENTRY_KEYS, MIDDLEWARE_OPTION_KEYS, PROVIDER_OPTION_KEYS, SETTINGS, VARIABLES } from '../lib/settings/settings-table';
import { STORE_ROWS } from '../lib/settings/table/redis-rows';

// The settings table is the one list of settings: these tests fail when a setting is added to the
// code (a variable read, an option key typed) without a row, and when a row and the option's own
// TSDoc disagree on the variable.
const root = join(__dirname, '..');
function sources(dir: string): { file: string; text: string }[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [{ file: join(dir, e.name), text: readFileSync(join(dir, e.name), 'utf8') }] : [],
  );
}
const lib = sources(join(root, 'lib'));

// The store's options are checked here rather than in the table, which must not import the store:
// the row keys and the option keys are the same set, or this file does not compile.
type SameKeys<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const storeRowsAreTheOptions: SameKeys<keyof typeof STORE_ROWS, keyof RedisTokenStoreOptions> = true;

describe('the settings table', () => {
  it('has a row for every MCA_* variable the code names (warning and event codes aside)', () => {
    const all = lib.map((s) => s.text).join('\n');
    const codes = new Set([...all.matchAll(/\bcode: '(MCA_[A-Z0-9_]+)'/g)].map((m) => m[1]!));
    const names = new Set([...all.matchAll(/(?<![A-Z_])MCA_[A-Z0-9_]*[A-Z0-9]\b/g)].map((m) => m[0]));
    const unlisted = [...names].filter((name) => !codes.has(name) && !VARIABLES.has(name));
    expect(names.size).toBeGreaterThan(35);
    expect(unlisted).toEqual([]);
    // And no row names a variable nothing reads.
    const read = [...VARIABLES.keys()].filter((name) => !lib.some((s) => !s.file.includes(`${join('settings', 'table')}`) && s.text.includes(name)));
    expect(read).toEqual([]);
  });

  it('has a row for every key of the public option types, and the option keys are the rows', () => {
    const declared = lib.filter((s) => s.file.includes(join('settings', 'options'))).flatMap((s) => [...s.text.matchAll(/^ {2}(\w+)\?:/gm)].map((m) => m[1]!));
    expect(declared.length).toBeGreaterThan(55);
    expect(declared.filter((key) => !MIDDLEWARE_OPTION_KEYS.has(key) && !ENTRY_KEYS.has(key))).toEqual([]);
    expect([...MIDDLEWARE_OPTION_KEYS].filter((key) => !declared.includes(key))).toEqual([]);
    expect(storeRowsAreTheOptions).toBe(true);
    for (const key of PROVIDER_OPTION_KEYS) expect(MIDDLEWARE_OPTION_KEYS.has(key)).toBe(true);
  });

  it("agrees with each option's TSDoc on the variables it falls back to", () => {
    const docs = lib.filter((s) => s.file.includes(join('settings', 'options')) || s.file.endsWith('redis-store-options.ts'));
    const disagree: string[] = [];
    for (const row of SETTINGS) {
      if (row.env === undefined || row.scope === 'variable') continue;
      const file = docs.find((s) => new RegExp(`^ {2}${row.key}\\?:`, 'm').test(s.text));
      const block =
        file?.text
          .split(new RegExp(`^ {2}${row.key}\\?:`, 'm'))[0]!
          .split(/\*\/\n/)
          .slice(-2)[0] ?? '';
      for (const name of row.env) if (!block.includes(name)) disagree.push(`${row.key}: ${name}`);
    }
    expect(disagree).toEqual([]);
  });

  it("agrees with each option's TSDoc `@default` where both give a value", () => {
    // The TSDoc of the options type a row belongs to: an entry's own TSDoc (backend-options.ts) says
    // "the middleware's `dpop`" of a middleware row, which is another statement.
    const docsOf = (row: (typeof SETTINGS)[number]): { file: string; text: string }[] =>
      lib.filter((s) =>
        row.scope === 'store'
          ? s.file.endsWith('redis-store-options.ts')
          : s.file.includes(join('settings', 'options')) && s.file.endsWith('backend-options.ts') === (row.scope === 'entry'),
      );
    // A value, not prose: the number or switch the resolver uses, else the first code span of the
    // reference's default; and the TSDoc's first word, a quoted string or a literal. Quotes aside.
    const bare = (text: string): string => text.replace(/['`]/g, '');
    const compared: string[] = [];
    const disagree: string[] = [];
    for (const row of SETTINGS) {
      const table = row.fallback !== undefined ? String(row.fallback) : /^`([^`]+)`/.exec(row.default ?? '')?.[1];
      if (table === undefined) continue;
      for (const { text } of docsOf(row)) {
        const block = new RegExp(`/\\*\\*((?:(?!\\*/)[\\s\\S])*)\\*/\\s*\\n {2}${row.key}\\?:`).exec(text)?.[1];
        const doc = block === undefined ? undefined : /@default ('[^']*'|[^\s,;]+)/.exec(block)?.[1];
        if (doc === undefined) continue;
        compared.push(row.key);
        if (bare(doc) !== bare(table)) disagree.push(`${row.key}: table ${table}, TSDoc ${doc}`);
      }
    }
    expect(disagree).toEqual([]);
    // Most numbers, switches and literals have both: the check is not vacuous.
    expect(compared.length).toBeGreaterThan(25);
  });

  it('gives every row a group, a kind and one line of documentation, and each variable one row', () => {
    const names = SETTINGS.flatMap((row) => row.env ?? []);
    expect(new Set(names).size).toBe(names.length);
    for (const row of SETTINGS) {
      expect(row.doc).toMatch(/^\S.*[.)]$/);
      expect(row.doc).not.toContain('\n');
      expect(row.kind).toBeTruthy();
      expect(row.group).toBeTruthy();
    }
  });
});
