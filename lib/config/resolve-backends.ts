import { readFileSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { McaConfigError } from '../errors/mca-config-error';
import { isMcaOAuthError } from '../errors/mca-oauth-error';
import { emptyListError, protectedBackendsVariable } from '../client/protected-backends';
import type { BackendMatcher, BackendTokenSettings } from '../options';
import type { EnvSource } from './env-source';
import { constantCase, optionalString, ownOptions } from './option-checks';
import { resolveProviderConfig, type CredentialField, type ProviderConfig } from './resolve-config';

/** One `protectedBackends` entry, validated, with its own token configuration resolved. */
export interface ResolvedBackend {
  /** Its place in the list, as errors and debug lines name it: `protectedBackends[2]`. */
  index: number;
  name: string | undefined;
  match: BackendMatcher;
  /** Its own token configuration, or undefined when it uses the middleware's own. */
  config: ProviderConfig | undefined;
}

// A Record over every key: the compiler fails when a setting is added to the type but not here.
const SETTING_KEYS: { [K in keyof Required<BackendTokenSettings>]: true } = {
  clientId: true,
  secret: true,
  tenantId: true,
  appId: true,
  serverUrl: true,
  oauthServerUrl: true,
  tokenUrl: true,
  scope: true,
  audience: true,
  resource: true,
  clientAuth: true,
  privateKey: true,
  privateKeyFile: true,
  certificate: true,
  certificateFile: true,
  keyId: true,
  signingAlgorithm: true,
  assertionAudience: true,
  x5t: true,
  x5c: true,
};
const SETTINGS = Object.keys(SETTING_KEYS) as (keyof BackendTokenSettings)[];
const ENTRY_KEYS = new Set<string>(['match', 'name', ...SETTINGS]);
// Settings resolved field by field (option, environment, .env, VCAP), layered over the
// middleware's; the client-authentication material below goes to the resolver as options.
const FIELDS: ReadonlySet<string> = new Set([
  'clientId',
  'secret',
  'tenantId',
  'appId',
  'serverUrl',
  'oauthServerUrl',
  'tokenUrl',
  'scope',
  'audience',
  'resource',
  'clientAuth',
]);
// The credential that makes a client: an entry with its own client id must bring one along.
const CLIENT_CREDENTIALS: readonly string[] = ['secret', 'privateKey', 'privateKeyFile'];
// How a client authenticates belongs to that client: an entry with a client of its own takes none
// of the middleware's, whether from options or from the environment (a key-based method would
// otherwise sign for it with the middleware's key).
const CLIENT_SETTINGS: readonly string[] = [
  'clientAuth',
  'privateKey',
  'privateKeyFile',
  'certificate',
  'certificateFile',
  'keyId',
  'signingAlgorithm',
  'assertionAudience',
  'x5t',
  'x5c',
];
const CLIENT_VARIABLES: ReadonlySet<string> = new Set([
  'MCA_CLIENT_AUTH',
  'MCA_PRIVATE_KEY',
  'MCA_PRIVATE_KEY_FILE',
  'MCA_CERTIFICATE',
  'MCA_CERTIFICATE_FILE',
  'MCA_KEY_ID',
  'MCA_SIGNING_ALGORITHM',
  'MCA_ASSERTION_AUDIENCE',
]);
const NAME = /^[A-Za-z0-9._-]{1,64}$/;

function entryError(index: number, field: string | undefined, code: string, fix: string): McaConfigError {
  const where = field === undefined ? `protectedBackends[${index}]` : `protectedBackends[${index}].${field}`;
  return new McaConfigError(code, `Invalid \`${where}\`: ${fix}`, { field: where });
}

/**
 * The list the middleware routes by: the `protectedBackends` option, else the JSON file of
 * `protectedBackendsFile` / `MCA_PROTECTED_BACKENDS_FILE`, else `MCA_PROTECTED_BACKENDS`
 * (comma-separated strings). Undefined: no list, the token goes to every URL.
 */
export function readBackendList(options: Record<string, unknown>, env: EnvSource): unknown[] | undefined {
  const list = readList(options, env);
  if (list !== undefined && list.length === 0) throw emptyListError();
  return list;
}

function readList(options: Record<string, unknown>, env: EnvSource): unknown[] | undefined {
  if (options.protectedBackends !== undefined) {
    if (!Array.isArray(options.protectedBackends)) {
      throw new McaConfigError(
        'ERR_MCA_INVALID_PROTECTED_BACKENDS',
        'Invalid `protectedBackends`: it must be an array of strings, RegExps and entry objects.',
        { field: 'protectedBackends' },
      );
    }
    return options.protectedBackends as unknown[];
  }
  const fileOption = optionalString(options, 'protectedBackendsFile');
  // Present but empty names no file: an error, never "no allowlist" (which sends the token everywhere).
  const fileVar = fileOption === undefined ? env.getPresent('MCA_PROTECTED_BACKENDS_FILE') : undefined;
  if (fileVar !== undefined && fileVar.value.trim() === '') {
    throw new McaConfigError(
      'ERR_MCA_INVALID_PROTECTED_BACKENDS_FILE',
      'MCA_PROTECTED_BACKENDS_FILE is set but empty. Name the JSON file, or unset the variable.',
      { field: 'protectedBackendsFile' },
    );
  }
  const listVar = protectedBackendsVariable(env);
  const file = fileOption ?? fileVar?.value;
  if (file === undefined) return listVar;
  // Two allowlists, one of them silently ignored, is a typo waiting to fail open.
  if (fileOption === undefined && listVar !== undefined) {
    throw new McaConfigError(
      'ERR_MCA_CONFLICTING_OPTIONS',
      'Both MCA_PROTECTED_BACKENDS and MCA_PROTECTED_BACKENDS_FILE are set. Keep one: the file for entries with their own token settings, the list for plain back ends.',
      { field: 'protectedBackendsFile' },
    );
  }
  return readBackendsFile(file, fileOption !== undefined ? '`protectedBackendsFile`' : 'MCA_PROTECTED_BACKENDS_FILE');
}

function readBackendsFile(file: string, from: string): unknown[] {
  const fail = (fix: string): McaConfigError =>
    new McaConfigError('ERR_MCA_INVALID_PROTECTED_BACKENDS_FILE', `Invalid protected back ends file (named by ${from}): ${fix}`, {
      field: 'protectedBackendsFile',
    });
  let text: string;
  try {
    text = readFileSync(resolvePath(process.cwd(), file), 'utf8');
  } catch (error) {
    throw fail(
      `it cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}). Fix the path; a relative one is resolved against the working directory.`,
    );
  }
  let list: unknown;
  try {
    list = JSON.parse(text);
  } catch {
    // The parser's message quotes the text around the error, which may be a secret.
    throw fail('it is not valid JSON. It must hold an array of strings and entry objects.');
  }
  if (!Array.isArray(list)) throw fail('it must hold a JSON array of strings and entry objects (`{ "match": "https://…", "audience": "…" }`).');
  return list;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Validates every entry and resolves the token configuration of each entry that sets token
 * settings, through the same resolution as the middleware's own (`options` and `env`), so each
 * entry gets the same validation and the same fallbacks; an error names the entry's field,
 * e.g. `protectedBackends[2].secret`. Nothing is half-applied: the first error throws.
 */
export function resolveBackends(list: readonly unknown[], options: Record<string, unknown>, env: EnvSource): ResolvedBackend[] {
  const names = new Set<string>();
  return list.map((item, index): ResolvedBackend => {
    if (typeof item === 'string' || item instanceof RegExp) return { index, name: undefined, match: item, config: undefined };
    if (!isPlainObject(item)) {
      throw entryError(
        index,
        undefined,
        'ERR_MCA_INVALID_PROTECTED_BACKENDS',
        'it must be a string (origin or URL prefix), a RegExp, or an object with `match`.',
      );
    }
    // Own properties only: nothing polluted onto Object.prototype can become a setting.
    const entry = ownOptions(item);
    for (const key of Object.keys(entry)) {
      if (!ENTRY_KEYS.has(key)) {
        throw entryError(
          index,
          key,
          'ERR_MCA_UNKNOWN_OPTION',
          `an entry takes \`match\`, \`name\` and the token settings ${SETTINGS.map((s) => `\`${s}\``).join(', ')}.`,
        );
      }
    }
    const match = entry.match;
    if (typeof match !== 'string' && !(match instanceof RegExp)) {
      throw entryError(index, 'match', 'ERR_MCA_INVALID_PROTECTED_BACKENDS', 'it must be an origin or URL prefix (string) or a RegExp.');
    }
    const name = entry.name;
    if (name !== undefined) {
      if (typeof name !== 'string' || !NAME.test(name) || name === 'default') {
        throw entryError(
          index,
          'name',
          'ERR_MCA_INVALID_BACKEND_NAME',
          'it must be 1–64 letters, digits, ".", "_" or "-", and not "default" (the middleware\'s own token).',
        );
      }
      if (names.has(name)) throw entryError(index, 'name', 'ERR_MCA_INVALID_BACKEND_NAME', `"${name}" names another entry too. Names must be unique.`);
      names.add(name);
    }
    return { index, name, match, config: resolveEntryConfig(entry, index, options, env) };
  });
}

/** The environment as an entry with its own client sees it: none of the middleware's client authentication. */
function withoutClientVariables(env: EnvSource): EnvSource {
  return {
    get: (name) => (CLIENT_VARIABLES.has(name) ? undefined : env.get(name)),
    getPresent: (name) => (CLIENT_VARIABLES.has(name) ? undefined : env.getPresent(name)),
    envFilePath: env.envFilePath,
  };
}

function resolveEntryConfig(entry: Record<string, unknown>, index: number, options: Record<string, unknown>, env: EnvSource): ProviderConfig | undefined {
  const own: Partial<Record<CredentialField, string>> = {};
  const material: Record<string, unknown> = {};
  let any = false;
  for (const key of SETTINGS) {
    if (!FIELDS.has(key)) {
      // Keys, certificates, flags: checked by the resolver, which names the field.
      if (entry[key] !== undefined) {
        material[key] = entry[key];
        any = true;
      }
      continue;
    }
    let value: string | undefined;
    try {
      value = optionalString(entry, key);
    } catch {
      throw entryError(index, key, `ERR_MCA_INVALID_${constantCase(key)}`, 'it must be a non-empty string.');
    }
    if (value === undefined) continue;
    any = true;
    if (key === 'appId' || key === 'tenantId') {
      if (own.tenantId !== undefined && own.tenantId !== value) {
        throw entryError(
          index,
          'tenantId',
          'ERR_MCA_CONFLICTING_OPTIONS',
          '`tenantId` and `appId` are synonyms but were given different values. Pass only one of them.',
        );
      }
      own.tenantId = value;
    } else {
      own[key as CredentialField] = value;
    }
  }
  if (!any) return undefined;
  // A client of its own never borrows the middleware's credential, and the middleware's client
  // never gets a credential meant for another: both or neither.
  const ownCredential = CLIENT_CREDENTIALS.some((key) => (own as Record<string, unknown>)[key] !== undefined || material[key] !== undefined);
  if (own.clientId !== undefined && !ownCredential) {
    const keyBased = own.clientAuth?.toLowerCase() === 'private_key_jwt';
    throw entryError(
      index,
      keyBased ? 'privateKey' : 'secret',
      keyBased ? 'ERR_MCA_MISSING_PRIVATE_KEY' : 'ERR_MCA_MISSING_SECRET',
      `the entry sets its own \`clientId\` but no ${keyBased ? '`privateKey` or `privateKeyFile`' : '`secret`'}; it never borrows the middleware's. Set it on the entry (from your secret store or an environment variable).`,
    );
  }
  if (own.clientId === undefined && ownCredential) {
    const given = CLIENT_CREDENTIALS.find((key) => (own as Record<string, unknown>)[key] !== undefined || material[key] !== undefined)!;
    throw entryError(index, 'clientId', 'ERR_MCA_MISSING_CLIENT_ID', `the entry sets a \`${given}\` but no \`clientId\`. Set the \`clientId\` it belongs to.`);
  }
  let inherited = options;
  let inheritedEnv = env;
  if (own.clientId !== undefined) {
    inherited = { ...options };
    for (const key of CLIENT_SETTINGS) delete inherited[key];
    inheritedEnv = withoutClientVariables(env);
  }
  inherited = { ...inherited, ...material };
  try {
    return resolveProviderConfig(inherited, inheritedEnv, undefined, own);
  } catch (error) {
    if (!isMcaOAuthError(error)) throw error;
    const field = (error as McaConfigError).field;
    const where = field === undefined ? `protectedBackends[${index}]` : `protectedBackends[${index}].${field}`;
    const named = field !== undefined && error.message.includes(`\`${field}\``);
    const message = named ? error.message.replace(`\`${field}\``, `\`${where}\``) : `\`${where}\`: ${error.message}`;
    throw new McaConfigError(error.code, message, { field: where });
  }
}
