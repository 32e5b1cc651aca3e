// The one resolution pass: every row of the settings table for a scope, read once from the options,
// the environment and `.env`, and the bound service, into a record in which each setting says
// where it came from. A `protectedBackends` entry's record is an overlay of the middleware's
// (overlaySettings). Everything downstream (endpoint, client authentication, IAM, tuning, the
// middleware's own switches, `check`) reads the record, never the options or the environment.
//
// The credential fields are resolved and checked at once, in the table's order, as the first
// thing any resolution does. Every other setting is parsed and checked here too, but a value that
// fails is kept as its error and thrown when the setting is first read: which error a
// configuration with several mistakes reports first is decided by the order in which the
// derivation reads the settings, as it always was.
import { McaConfigError } from '../errors/mca-config-error';
import { OWN_SETTINGS, fieldName, scopedField, type FieldScope } from '../errors/field-scope';
import { describeVariable, envSourceFromOptions, type EnvSource } from './env-source';
import { invalid } from './option-checks';
import { ownOptions } from './known-options';
import { readVcap, type VcapCredentials } from './vcap';
import { SETTINGS, type SettingRow } from './settings-table';
import { ENV_NAMES, VCAP_FIELD, type CredentialField } from './credential-fields';
import {
  refusal,
  settingsRecord,
  type Found,
  type Resolution,
  type ResolvedSetting,
  type ResolvedSettings,
  type SettingEntry as Entry,
} from './settings-record';

export type { Found, ResolvedSetting, ResolvedSettings } from './settings-record';

/** The fields resolved field by field (option, variable, `.env`, VCAP), from the table. */
const CREDENTIAL_FIELDS = Object.keys(ENV_NAMES) as CredentialField[];
const PER_FIELD_KEYS: ReadonlySet<string> = new Set(SETTINGS.filter((row) => row.perField).map((row) => row.key));

/** A flag the row itself declares: one polluted onto Object.prototype declares nothing. */
const declares = (row: SettingRow, flag: 'checkedWhereUsed' | 'variablesReadWhereUsed'): boolean => Object.hasOwn(row, flag) && row[flag] === true;

// URLs are trimmed, as the seed trims `serverUrl`; everything else must be given exactly, since a
// stray space in an id or a secret only shows up later as `invalid_client`. Every source alike.
const TRIMMED: ReadonlySet<string> = new Set(['serverUrl', 'oauthServerUrl', 'tokenUrl']);

/** The form every credential value must have, whatever its source. */
function checkForm(field: CredentialField, found: Found, scope: FieldScope): void {
  const trimmed = found.value.trim();
  if (trimmed === '') throw invalid(field, 'it is blank. Give a value, or unset it.', found.from, scope);
  if (!TRIMMED.has(field) && trimmed !== found.value) {
    throw invalid(field, 'it has leading or trailing whitespace. Remove it (quotes in .env keep spaces).', found.from, scope);
  }
}

/** undefined means "not passed"; anything else must be a non-empty string. */
function nonEmptyString(key: string, value: unknown, scope: FieldScope): string {
  if (typeof value !== 'string' || value.trim() === '') throw invalid(key, 'it must be a non-empty string.', undefined, scope);
  return value;
}

/** The setting's first variable that is set (environment, then `.env`). */
function readVariable(env: EnvSource, names: readonly string[] = []): Found | undefined {
  for (const name of names) {
    const found = env.get(name);
    if (found !== undefined) return { ...found, from: describeVariable(env, name, found), name };
  }
  return undefined;
}

/** A row's own variables: an `env` polluted onto Object.prototype is no row's variable list. */
const variablesOfRow = (row: SettingRow): readonly string[] | undefined => (Object.hasOwn(row, 'env') ? row.env : undefined);

/** `true`/`false` (also `1`/`0`, any case) for a boolean variable. */
function parseBoolean(key: string, variable: Found): Entry {
  const v = variable.value.trim().toLowerCase();
  if (v === 'true' || v === '1') return { setting: { ...variable, value: true } };
  if (v === 'false' || v === '0') return { setting: { ...variable, value: false } };
  return { setting: variable, problem: (scope) => invalid(key, 'it must be "true" or "false".', variable.from, scope) };
}

/**
 * A number checked against the row's bounds. A setting without a fixed default
 * (refreshWindowSeconds) names its default in the table's words, not 0.
 */
function checkNumber(key: string, row: SettingRow, given: ResolvedSetting): Entry {
  const rule = row.bounds ?? { min: 0 };
  const value = given.value;
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (!rule.integer || Number.isInteger(value)) &&
    (rule.minExclusive ? value > rule.min : value >= rule.min) &&
    (rule.max === undefined || value <= rule.max);
  if (ok) return { setting: given };
  const fallback = typeof row.fallback === 'number' ? row.fallback : row.default;
  const kind = rule.integer ? 'an integer' : 'a finite number';
  const bound = (rule.minExclusive ? `greater than ${rule.min}` : `of at least ${rule.min}`) + (rule.max === undefined ? '' : ` and at most ${rule.max}`);
  return { setting: given, problem: (scope) => invalid(key, `it must be ${kind} ${bound} (default ${fallback}).`, undefined, scope) };
}

/** A setting taken as given (its builder checks it), else its variable. */
function asGiven(key: string, given: ResolvedSetting | undefined, env: EnvSource | undefined): Entry | undefined {
  if (given !== undefined) return { setting: given };
  const row = OPTION_ROWS.get(key)!;
  const variable = env === undefined || declares(row, 'variablesReadWhereUsed') ? undefined : readVariable(env, variablesOfRow(row));
  return variable === undefined ? undefined : { setting: variable };
}

/** One setting: the value given (an option, or an entry's own), else its variable, else its default; parsed and checked by its kind. */
function resolveRow(key: string, given: ResolvedSetting | undefined, env: EnvSource | undefined): Entry | undefined {
  const row = OPTION_ROWS.get(key)!;
  if (given !== undefined) {
    if (row.kind === 'boolean') {
      if (typeof given.value === 'boolean') return { setting: given };
      return { setting: given, problem: (scope) => invalid(key, 'it must be true or false.', undefined, scope) };
    }
    if (row.kind === 'number') return checkNumber(key, row, given);
    if (typeof given.value !== 'string' || given.value.trim() === '') {
      return { setting: given, problem: (scope) => invalid(key, 'it must be a non-empty string.', undefined, scope) };
    }
    return { setting: given };
  }
  const variable = env === undefined || declares(row, 'variablesReadWhereUsed') ? undefined : readVariable(env, variablesOfRow(row));
  if (variable !== undefined) return row.kind === 'boolean' ? parseBoolean(key, variable) : { setting: variable };
  // The row's own default: a `fallback` polluted onto Object.prototype is no setting's default.
  if (Object.hasOwn(row, 'fallback') && row.fallback !== undefined) return { setting: { value: row.fallback, source: 'default', from: 'the default' } };
  return undefined;
}

/** The rows of the options objects (the provider's and the middleware's) other than the credential fields, which are resolved first. */
const OPTION_ROWS: ReadonlyMap<string, SettingRow> = new Map(
  SETTINGS.filter((row) => (row.scope === 'provider' || row.scope === 'middleware') && !PER_FIELD_KEYS.has(row.key)).map((row) => [row.key, row]),
);
const takenAsGiven = (key: string): boolean => {
  const row = OPTION_ROWS.get(key)!;
  return declares(row, 'checkedWhereUsed') || ['object', 'function', 'list', 'matcher'].includes(row.kind);
};
// Exported so that the error-code registry's reader (test/helpers/error-code-usage.ts) can follow
// the keys that reach `invalid(key, …)` to the codes they build.
/** The keys the pass parses and checks by their kind, in the table's order. */
export const CHECKED_KEYS: readonly string[] = [...OPTION_ROWS.keys()].filter((key) => !takenAsGiven(key));
/** The keys it takes as given: the code that builds from them checks them (keys, objects, lists, functions). */
export const GIVEN_KEYS: readonly string[] = [...OPTION_ROWS.keys()].filter(takenAsGiven);
/** The Redis store's variables: the store the environment asks for is built from them (redis-binding.ts). */
const STORE_VARIABLES: readonly string[] = SETTINGS.filter((row) => row.scope === 'store' || row.scope === 'variable').flatMap((row) => row.env ?? []);
/** Those `createTokenProvider()` takes (the middleware takes them all). */
const PROVIDER_KEYS: ReadonlySet<string> = new Set([...OPTION_ROWS.keys()].filter((key) => OPTION_ROWS.get(key)!.scope === 'provider'));

/** A credential field's option (`tenantId` and its synonym `appId` together), else its variable. */
function directHit(options: Record<string, unknown>, env: EnvSource, field: CredentialField): Found | undefined {
  let option: string | undefined;
  let key: string = field;
  if (field === 'tenantId') {
    const tenantId = options.tenantId === undefined ? undefined : nonEmptyString('tenantId', options.tenantId, OWN_SETTINGS);
    const appId = options.appId === undefined ? undefined : nonEmptyString('appId', options.appId, OWN_SETTINGS);
    if (tenantId !== undefined && appId !== undefined && tenantId !== appId) {
      throw new McaConfigError(
        'ERR_MCA_CONFLICTING_OPTIONS',
        `${fieldName('tenantId')} and \`appId\` are synonyms but were given different values. Pass only one of them.`,
        { field: scopedField('tenantId') },
      );
    }
    option = tenantId ?? appId;
    if (tenantId === undefined) key = 'appId';
  } else if (options[field] !== undefined) {
    option = nonEmptyString(field, options[field], OWN_SETTINGS);
  }
  if (option !== undefined) return { value: option, source: 'option', from: `the \`${field}\` option`, name: key };
  return readVariable(env, ENV_NAMES[field]);
}

/**
 * The bound service fills what the options and variables left unset (the application's id last,
 * for `tenantId`); each value it gives is checked like any other.
 */
function fillFromVcap(direct: Partial<Record<CredentialField, Found>>, vcap: VcapCredentials, scope: FieldScope): Partial<Record<CredentialField, Found>> {
  // No prototype: `found.tokenUrl` must never be something polluted onto Object.prototype.
  const found = Object.assign(Object.create(null) as Partial<Record<CredentialField, Found>>, direct);
  for (const [field, key] of Object.entries(VCAP_FIELD) as [CredentialField, keyof VcapCredentials][]) {
    const value = vcap[key];
    if (found[field] === undefined && value !== undefined) {
      found[field] = { value, source: 'VCAP_SERVICES', from: `VCAP_SERVICES ${vcap.where ?? ''}.credentials.${key}`, name: `credentials.${key}` };
      checkForm(field, found[field], scope);
    }
  }
  if (found.tenantId === undefined && vcap.applicationId !== undefined) {
    found.tenantId = { value: vcap.applicationId, source: 'VCAP_APPLICATION', from: 'VCAP_APPLICATION.application_id', name: 'application_id' };
    checkForm('tenantId', found.tenantId, scope);
  }
  return found;
}

/**
 * Resolves the options of `createTokenProvider()` (`provider`) or of `mcaOAuth()` (`middleware`),
 * with the environment, `.env` and the bound service behind them, in one pass. The credential
 * fields' errors throw here, in the table's order; the rest throw when first read (see above).
 */
export function resolveSettings(input: Record<string, unknown>, scope: 'provider' | 'middleware', envSource?: EnvSource): ResolvedSettings {
  const options = ownOptions(input);
  const env = envSource ?? envSourceFromOptions(options);
  const direct = Object.create(null) as Partial<Record<CredentialField, Found>>;
  for (const field of CREDENTIAL_FIELDS) {
    const hit = directHit(options, env, field);
    if (hit !== undefined) {
      checkForm(field, hit, OWN_SETTINGS);
      direct[field] = hit;
    }
  }
  const vcap: VcapCredentials = Object.assign(Object.create(null), readVcap(env, direct.serviceName?.value));
  const found = fillFromVcap(direct, vcap, OWN_SETTINGS);
  const entries = Object.create(null) as Record<string, Entry>;
  const option = (key: string): ResolvedSetting | undefined => {
    const value = options[key];
    return value === undefined ? undefined : { value, source: 'option', from: `the \`${key}\` option`, name: key };
  };
  for (const key of CHECKED_KEYS) {
    if (scope === 'provider' && !PROVIDER_KEYS.has(key)) continue;
    const entry = resolveRow(key, option(key), env);
    if (entry !== undefined) entries[key] = entry;
  }
  for (const key of GIVEN_KEYS) {
    if (scope === 'provider' && !PROVIDER_KEYS.has(key)) continue;
    const entry = asGiven(key, option(key), env);
    if (entry !== undefined) entries[key] = entry;
  }
  const variables = Object.create(null) as Record<string, Found>;
  for (const name of STORE_VARIABLES) {
    const hit = readVariable(env, [name]);
    if (hit !== undefined) variables[name] = hit;
  }
  return settingsRecord({ scope: OWN_SETTINGS, env, vcap, variables, direct, found, entries });
}

/**
 * One setting from its variables alone, parsed and checked as in the pass (for a flow that takes
 * no options: the certificate flow's MCA_ALLOW_INSECURE_HTTP); its error throws at once.
 */
export function variableSetting(env: EnvSource, key: string): ResolvedSetting | undefined {
  const entry = resolveRow(key, undefined, env);
  const problem = refusal(entry);
  if (problem !== undefined) throw problem(OWN_SETTINGS);
  return entry?.setting;
}

/** A `protectedBackends` entry's own settings, as the overlay takes them. */
export interface EntrySettings {
  /** The entry's own credential fields (strings, checked to be non-empty; `appId` given as `tenantId`). */
  fields: Partial<Record<CredentialField, string>>;
  /** The entry's other token settings, as given. */
  material: Record<string, unknown>;
  /** The middleware's settings the entry does not inherit, as its client is its own (entry-overlay.ts). */
  withheld: ReadonlySet<string>;
  /** How messages name each of the entry's own settings: `` `protectedBackends[2].secret` ``. */
  labels: Readonly<Record<string, string>>;
  /** Whose settings these are: the entry's, and which list holds it. */
  scope: FieldScope;
}

// The OAuth token server's settings, from the settings table.
const ENDPOINT_FIELDS = SETTINGS.filter((row) => row.scope === 'provider' && row.group === 'oauth-endpoint').map((row) => row.key as CredentialField);

/**
 * A `protectedBackends` entry's settings: the middleware's resolved ones, less what the entry's own
 * client withholds, with the entry's own over them (source `protectedBackends`). Nothing is read
 * again from the options, the environment or the bound service. An entry that names an endpoint
 * names the whole of it: a `tokenUrl` or `oauthServerUrl` found elsewhere must not outrank the
 * `serverUrl` it set.
 */
export function overlaySettings(main: ResolvedSettings, entry: EntrySettings): ResolvedSettings {
  const base = main as Resolution;
  const { scope, withheld, labels } = entry;
  const direct = Object.create(null) as Partial<Record<CredentialField, Found>>;
  for (const [field, hit] of Object.entries(base.direct) as [CredentialField, Found][]) if (!withheld.has(field)) direct[field] = hit;
  const vcap: VcapCredentials = Object.assign(Object.create(null), base.vcap);
  // The bound service fills what the middleware's options and variables left unset, as for the
  // middleware (which checked each value it took); what is withheld is then taken out. A bound value
  // the middleware overrode is no entry's to refuse.
  const found = fillFromVcap(base.direct, vcap, scope);
  for (const field of withheld) delete found[field as CredentialField];
  // A bound service's API key is the middleware's IAM credential, never a client's of its own.
  if (withheld.has('apikey')) delete vcap.apikey;
  if (ENDPOINT_FIELDS.some((field) => Object.hasOwn(entry.fields, field))) for (const field of ENDPOINT_FIELDS) delete found[field];
  for (const [field, value] of Object.entries(entry.fields) as [CredentialField, string | undefined][]) {
    if (value === undefined) continue;
    found[field] = { value, source: 'protectedBackends', from: labels[field] ?? `\`${field}\`` };
    checkForm(field, found[field], scope);
  }
  const entries = Object.create(null) as Record<string, Entry>;
  for (const [key, inherited] of Object.entries(base.entries)) if (!withheld.has(key)) entries[key] = inherited;
  // Own properties only: nothing polluted onto Object.prototype becomes an entry's setting.
  const own = (key: string): ResolvedSetting | undefined => {
    const value = PROVIDER_KEYS.has(key) && Object.hasOwn(entry.material, key) ? entry.material[key] : undefined;
    return value === undefined ? undefined : { value, source: 'protectedBackends', from: labels[key] ?? `\`${key}\`` };
  };
  for (const key of CHECKED_KEYS) {
    const given = own(key);
    if (given !== undefined) entries[key] = resolveRow(key, given, undefined)!;
  }
  for (const key of GIVEN_KEYS) {
    const given = own(key);
    if (given !== undefined) entries[key] = asGiven(key, given, undefined)!;
  }
  return settingsRecord({ scope, env: base.env, vcap, variables: base.variables, direct, found, entries });
}
