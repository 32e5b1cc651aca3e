import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REFERENCE_BEGIN, REFERENCE_END, renderSettingsReference, withReference } from '../lib/settings/settings-reference';
import { SETTINGS } from '../lib/settings/settings-table';

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
