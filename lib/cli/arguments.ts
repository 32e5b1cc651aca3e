// Reading the command line: which flag sets which option (the settings table's rows with a flag),
// the flags turned into the options the middleware takes, and one line for a flag that parseArgs
// refuses.
import { parseArgs } from 'node:util';
import { PROVIDER_OPTION_KEYS, checkOptionKeys, suggest } from '../settings/known-options';
import { SETTINGS, type SettingRow } from '../settings/settings-table';
import type { FlagSpec } from '../settings/table/setting-row';
import { constantCase } from '../errors/field-code';
import { McaConfigError } from '../errors/mca-config-error';

/** `clientId` → `client-id`: a setting's flag, as the user types it after `--`. */
function kebab(key: string): string {
  return key.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
}

/** The settings the CLI takes, from the settings table (the rows with a flag), in its order. */
export const FLAG_ROWS: readonly (SettingRow & { flag: FlagSpec })[] = SETTINGS.filter(
  (row): row is SettingRow & { flag: FlagSpec } => row.flag !== undefined && row.scope === 'provider',
);

/** Each string flag and the option it sets. */
const FLAGS: Readonly<Record<string, string>> = Object.fromEntries(FLAG_ROWS.map((row) => [kebab(row.key), row.key]));
/** The `--no-…` flags and the option each turns off. */
const NEGATIONS: Readonly<Record<string, string>> = Object.fromEntries(
  FLAG_ROWS.filter((row) => row.flag.negation !== undefined).map((row) => [`no-${kebab(row.key)}`, row.key]),
);
/** The flags of the CLI itself, which set no option. */
const OWN_FLAGS = ['backend', 'backends-file', 'help', 'version'];

/** The flag names, for a suggestion when one is mistyped. */
const FLAG_NAMES: ReadonlySet<string> = new Set([...Object.keys(FLAGS), ...Object.keys(NEGATIONS), ...OWN_FLAGS]);

/** The flag that sets `field`, as the user types it: `--client-id`. */
export function flagOf(field: string): string {
  return `--${Object.entries(FLAGS).find(([, option]) => option === field)?.[0] ?? field}`;
}

/** Splits the arguments into the command and the flags; throws parseArgs's own error on bad usage. */
export function parseCommandLine(argv: string[]): ReturnType<typeof parseArgs> {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...Object.fromEntries(Object.keys(FLAGS).map((flag) => [flag, { type: 'string' as const }])),
      ...Object.fromEntries(Object.keys(NEGATIONS).map((flag) => [flag, { type: 'boolean' as const }])),
      backend: { type: 'string' },
      'backends-file': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'v' },
    },
  });
}

/** The options the flags give, checked against the option names as the middleware checks them. */
export function flagOptions(values: Record<string, unknown>): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const row of FLAG_ROWS) {
    const flag = kebab(row.key);
    const value = values[flag];
    if (value === undefined) continue;
    // Checked here, so that the message names the flag the user typed, not the option behind it.
    if (row.flag.integer && (typeof value !== 'string' || !/^[1-9]\d*$/.test(value))) {
      throw new McaConfigError(
        `ERR_MCA_INVALID_${constantCase(row.key)}`,
        `\`--${flag}\` must be a whole number of milliseconds, at least 1 (got "${String(value)}").`,
        { field: row.key },
      );
    }
    result[row.key] = row.flag.integer ? Number(value) : value;
  }
  for (const [flag, option] of Object.entries(NEGATIONS)) if (values[flag]) result[option] = false;
  return checkOptionKeys(result, PROVIDER_OPTION_KEYS, 'express-mca-oauth');
}

/** One line for a parseArgs error: the flag, and the flag the user probably meant. */
export function usageError(error: unknown): string {
  const { code, message } = error as { code?: string; message?: string };
  const flag = /'(-{1,2}[^']*)'/.exec(message ?? '')?.[1];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && flag !== undefined) {
    const guess = suggest(flag.replace(/^-+/, '').split('=')[0]!, FLAG_NAMES);
    return `express-mca-oauth: unknown option ${flag}.${guess === undefined ? '' : ` Did you mean --${guess}?`} See --help.`;
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && flag !== undefined) {
    return `express-mca-oauth: option ${flag.split(' ')[0]} needs a value. See --help.`;
  }
  return `express-mca-oauth: ${(message ?? String(error)).split('\n')[0]} See --help.`;
}
