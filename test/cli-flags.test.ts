import { FLAG_ROWS, flagOptions, parseCommandLine } from '../lib/cli/arguments';
import { HELP } from '../lib/cli/help';

// The CLI's flags and its --help come from the settings table's rows with a flag: each such
// setting is a flag that sets its option, and --help names it with its variables.
const kebab = (key: string): string => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

describe('the CLI flags from the settings table', () => {
  it('has a flag for each row with one, which sets that option', () => {
    expect(FLAG_ROWS.length).toBeGreaterThan(20);
    for (const row of FLAG_ROWS) {
      const value = row.flag.integer ? '250' : 'value-1';
      const parsed = parseCommandLine(['check', `--${kebab(row.key)}`, value]);
      expect(flagOptions(parsed.values)).toEqual({ [row.key]: row.flag.integer ? 250 : value });
    }
    expect(flagOptions(parseCommandLine(['check', '--env-file', 'a.env', '--no-env-file']).values)).toEqual({ envFile: false });
  });

  it('lists each flag in --help with the variables it falls back to', () => {
    for (const row of FLAG_ROWS) {
      const line = HELP.split('\n').findIndex((l) => l.startsWith(`  --${kebab(row.key)} `));
      expect(line).toBeGreaterThan(0);
      // The text is on the flag's line, or on the next one when the flag is long.
      const text = HELP.split('\n')
        .slice(line, line + 2)
        .join('\n');
      for (const name of row.env ?? []) expect(text).toContain(name);
    }
    expect(HELP).toContain('  --no-env-file               read no .env file');
    expect(HELP).toContain('  --private-key-file <path>   MCA_PRIVATE_KEY_FILE (PEM or JWK; or MCA_PRIVATE_KEY holding it)');
  });
});
