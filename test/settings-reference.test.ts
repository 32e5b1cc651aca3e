import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REFERENCE_BEGIN, REFERENCE_END, renderSettingsReference, withReference } from '../lib/settings/settings-reference';
import { SETTINGS, type SettingRow } from '../lib/settings/settings-table';

// docs/configuration.md carries a reference generated from the settings table: a row added,
// removed or changed without regenerating it fails here.
const docs = readFileSync(join(__dirname, '..', 'docs', 'configuration.md'), 'utf8');

describe('the settings reference in docs/configuration.md', () => {
  it('is the one the settings table renders (run `npm run docs:settings` to regenerate it)', () => {
    const committed = docs.slice(docs.indexOf(REFERENCE_BEGIN), docs.indexOf(REFERENCE_END) + REFERENCE_END.length);
    const rendered = renderSettingsReference();
    if (committed !== rendered) throw new Error('docs/configuration.md differs from lib/settings/settings-table.ts: run `npm run docs:settings`.');
    expect(committed).toBe(rendered);
  });

  it('names every documented setting and every variable, in lines of at most 200 characters', () => {
    const rendered = renderSettingsReference();
    for (const row of SETTINGS.filter((r) => !r.internal)) {
      expect(rendered).toContain(row.scope === 'variable' ? `\`${row.env![0]}\`` : `\`${row.key}\``);
      for (const name of row.env ?? []) expect(rendered).toContain(`| \`${name}\``);
    }
    expect(rendered.split('\n').filter((l) => l.length > 200)).toEqual([]);
  });

  it('replaces only what lies between the markers, and refuses a document without them', () => {
    const document = `prose before\n${REFERENCE_BEGIN}\nold\n${REFERENCE_END}\nprose after\n`;
    expect(withReference(document, `${REFERENCE_BEGIN}\nnew\n${REFERENCE_END}`)).toBe(`prose before\n${REFERENCE_BEGIN}\nnew\n${REFERENCE_END}\nprose after\n`);
    expect(() => withReference('no markers', 'x')).toThrow('no settings reference markers');
  });
});

describe('withReference', () => {
  it('replaces a reference that opens the document', () => {
    const document = `${REFERENCE_BEGIN}\nold\n${REFERENCE_END}\nprose after\n`;
    expect(withReference(document, `${REFERENCE_BEGIN}\nnew\n${REFERENCE_END}`)).toBe(`${REFERENCE_BEGIN}\nnew\n${REFERENCE_END}\nprose after\n`);
  });

  // Spliced as they stand, the prose between them would be doubled and the old reference kept.
  it('refuses markers in the wrong order', () => {
    expect(() => withReference(`${REFERENCE_END}\nprose\n${REFERENCE_BEGIN}\n`, 'x')).toThrow(
      new Error('docs/configuration.md has no settings reference markers'),
    );
  });
});

// How a row is laid out, with a table made for the case: the real table has no row at the edges
// (a line of exactly 200 characters, a code span across the line length, an unbreakable line).
describe('the reference rendered from a settings table', () => {
  const rowOf = (row: Partial<SettingRow> & Pick<SettingRow, 'key' | 'doc'>): SettingRow => ({
    group: 'tuning',
    kind: 'string',
    scope: 'provider',
    entry: false,
    ...row,
  });
  /** The rendered list items of these rows (the reference without its markers, title and variables). */
  function rendered(...rows: SettingRow[]): string {
    let render!: () => string;
    jest.isolateModules(() => {
      jest.doMock('../lib/settings/settings-table', () => ({ SETTINGS: rows }));
      // The renderer is loaded anew against the made table: isolateModules takes a synchronous load.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      ({ renderSettingsReference: render } = require('../lib/settings/settings-reference') as typeof import('../lib/settings/settings-reference'));
    });
    const text = render();
    const title = '### Cache, timeouts and retries\n\n'; // the group of rowOf's rows
    return text.slice(text.indexOf(title) + title.length, text.indexOf('\n\n### Variables'));
  }

  it("quotes an enum's lower-case values as a user writes them, and shows the others as they are", () => {
    const row = rowOf({ key: 'mode', kind: 'enum', values: ['basic', 'private_key_jwt', 'Basic', 'token-exchange', 'RS256', 'true'], doc: 'How.' });
    expect(rendered(row)).toBe("- `mode` (one of `'basic'`, `'private_key_jwt'`, `Basic`, `token-exchange`, `RS256`, `true`): How.");
  });

  it('names a variable-only setting by its variables, comma-separated', () => {
    const row = rowOf({ key: 'pair', scope: 'variable', env: ['MCA_PAIR_A', 'MCA_PAIR_B'], secret: true, doc: 'Either one.' });
    expect(rendered(row)).toBe('- `MCA_PAIR_A`, `MCA_PAIR_B` (secret): Either one.');
  });

  it('keeps a line of exactly 200 characters whole', () => {
    const head = '- `exact`: ';
    const row = rowOf({ key: 'exact', doc: `${'word '.repeat(37)}${'x'.repeat(200 - head.length - 37 * 5)}` });
    const lines = rendered(row).split('\n');
    expect(lines.map((l) => l.length)).toEqual([200]);
  });

  it('breaks a longer line at its last space before 200 characters, outside code spans, continued two spaces in', () => {
    // The last space before column 200 lies inside `{ grant: 'token-exchange' }`: the break comes before the span.
    const head = '- `long`: ';
    const words = `${'word '.repeat(35)}wordy`;
    const lines = rendered(rowOf({ key: 'long', doc: `${words} \`{ grant: 'token-exchange' }\` and the rest.` })).split('\n');
    expect(lines).toEqual([`${head}${words}`, "  `{ grant: 'token-exchange' }` and the rest."]);
    for (const l of lines) expect(l.split('`').length % 2).toBe(1);
  });

  it('refuses a line it cannot break, quoting it', () => {
    const span = `\`${'z '.repeat(110)}\``;
    expect(() => rendered(rowOf({ key: 'unbreakable', doc: span }))).toThrow(
      new Error(`settings reference: a line is over 200 characters; shorten the row's doc or default:   ${span}`),
    );
  });

  // Two spaces at the break leave the third of the continuation's indent; the line is quoted as it is.
  it('quotes an unbreakable continuation with the space it carries over', () => {
    const head = '- `spaced`: ';
    const words = 'w'.repeat(199 - head.length);
    const span = `\`${'z '.repeat(110)}\``;
    expect(() => rendered(rowOf({ key: 'spaced', doc: `${words}  ${span}` }))).toThrow(
      new Error(`settings reference: a line is over 200 characters; shorten the row's doc or default:    ${span}`),
    );
  });
});
