// The settings table: one row per setting the package takes (options, entry keys, store options,
// variables). Everything that lists settings derives from it: the known-option and entry-key lists,
// the variables each setting falls back to, the CLI's flags and help, the groups an entry's
// overlay withholds, and the reference in docs/configuration.md (npm run docs:settings).
import { CREDENTIAL_ROWS } from './table/credential-rows';
import { ENTRY_ONLY_ROWS, MIDDLEWARE_ROWS } from './table/middleware-rows';
import { PROVIDER_ROWS } from './table/provider-rows';
import { STORE_ROWS, VARIABLE_ROWS } from './table/redis-rows';
import type { SettingGroup, SettingRow, SettingScope, SettingSpec } from './table/setting-row';

export type { SettingGroup, SettingRow, SettingScope } from './table/setting-row';

function rows(scope: SettingScope, specs: Record<string, SettingSpec & { entry?: boolean }>): SettingRow[] {
  return Object.entries(specs).map(([key, spec]) => Object.freeze({ ...spec, key, scope, entry: spec.entry === true }));
}

/** Every setting, in the order of the reference. */
export const SETTINGS: readonly SettingRow[] = Object.freeze([
  ...rows('provider', CREDENTIAL_ROWS),
  ...rows('provider', PROVIDER_ROWS),
  ...rows('middleware', MIDDLEWARE_ROWS),
  ...rows('entry', ENTRY_ONLY_ROWS),
  ...rows('store', STORE_ROWS),
  ...rows('variable', VARIABLE_ROWS),
]);

const OPTION_ROWS = new Map(SETTINGS.filter((row) => row.scope === 'provider' || row.scope === 'middleware').map((row) => [row.key, row]));

/** The row of an option of the provider or the middleware. */
export function optionRow(key: string): SettingRow | undefined {
  return OPTION_ROWS.get(key);
}

/** The variables an option falls back to, first found wins (none for most tuning options). */
export function variablesOf(key: string): readonly string[] {
  return OPTION_ROWS.get(key)?.env ?? [];
}

/** The option keys `createTokenProvider()` (and the seed's functions) take. */
export const PROVIDER_OPTION_KEYS: ReadonlySet<string> = new Set(SETTINGS.filter((row) => row.scope === 'provider').map((row) => row.key));
/** The option keys `mcaOAuth()` takes. */
export const MIDDLEWARE_OPTION_KEYS: ReadonlySet<string> = new Set(
  SETTINGS.filter((row) => row.scope === 'provider' || row.scope === 'middleware').map((row) => row.key),
);
/** The token settings a `protectedBackends` entry may carry besides its own keys (`match`, `name` …). */
export const ENTRY_TOKEN_SETTINGS: readonly string[] = SETTINGS.filter((row) => row.entry && row.scope === 'provider').map((row) => row.key);
/** Every key a `protectedBackends` entry takes. */
export const ENTRY_KEYS: ReadonlySet<string> = new Set([
  ...SETTINGS.filter((row) => row.scope === 'entry').map((row) => row.key),
  ...SETTINGS.filter((row) => row.entry && row.scope === 'middleware').map((row) => row.key),
  ...ENTRY_TOKEN_SETTINGS,
]);

/** The option keys of the given groups, in table order. */
export function keysOfGroups(groups: Iterable<SettingGroup>): string[] {
  const wanted = new Set(groups);
  return SETTINGS.filter((row) => row.scope === 'provider' && wanted.has(row.group)).map((row) => row.key);
}

/** Every MCA_* variable the package reads, with the row it belongs to. */
export const VARIABLES: ReadonlyMap<string, SettingRow> = new Map(SETTINGS.flatMap((row) => (row.env ?? []).map((name) => [name, row] as const)));

const STORE_ROWS_BY_KEY = new Map(SETTINGS.filter((row) => row.scope === 'store' || row.scope === 'variable').map((row) => [row.key, row]));

/** The variable a `redisTokenStore()` option falls back to (or a variable-only setting's variable). */
export function storeVariable(key: string): string {
  const name = STORE_ROWS_BY_KEY.get(key)?.env?.[0];
  // A programming error, caught by the first test that builds a store.
  if (name === undefined) throw new Error(`settings table: the store option ${key} has no variable`);
  return name;
}
