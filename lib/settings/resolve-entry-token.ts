import { McaConfigError } from '../errors/mca-config-error';
import { isMcaOAuthError } from '../errors/mca-oauth-error';
import type { BackendTokenSettings } from './options';
import type { EnvSource } from './env-source';
import { OPTION_ORIGIN, optionalString } from './option-checks';
import { constantCase } from '../errors/field-code';
import { iamTokenUrl } from './resolve-iam';
import { ENV_NAMES, resolveProviderConfig, type CredentialField, type ProviderConfig } from './resolve-config';

/** A `protectedBackends` entry's layer over the middleware's configuration (see resolveProviderConfig). */
export interface EntryLayer {
  /** The entry's own fields. */
  fields: Partial<Record<CredentialField, string>>;
  /** The middleware's settings the entry must not inherit, as its client is its own. */
  withheld: ReadonlySet<string>;
}

/** Where an entry sits, for messages: its index, and where the list came from. */
export interface EntryPlace {
  index: number;
  /** "the `protectedBackends` option", "the JSON file /app/backends.json (named by MCA_PROTECTED_BACKENDS_FILE)". */
  listFrom: string;
}

// Every setting an entry may carry, with the variables the middleware's own value may come from,
// so that what an entry must not inherit is hidden in both places. A Record over every key: the
// compiler fails when a setting is added to the type but not here.
const SETTING_VARIABLES: { [K in keyof Required<BackendTokenSettings>]: readonly string[] } = {
  clientId: ENV_NAMES.clientId,
  secret: ENV_NAMES.secret,
  tenantId: ENV_NAMES.tenantId,
  appId: [],
  serverUrl: ENV_NAMES.serverUrl,
  oauthServerUrl: ENV_NAMES.oauthServerUrl,
  tokenUrl: ENV_NAMES.tokenUrl,
  scope: ENV_NAMES.scope,
  audience: ENV_NAMES.audience,
  resource: ENV_NAMES.resource,
  clientAuth: ENV_NAMES.clientAuth,
  privateKey: ['MCA_PRIVATE_KEY'],
  privateKeyFile: ['MCA_PRIVATE_KEY_FILE'],
  certificate: ['MCA_CERTIFICATE'],
  certificateFile: ['MCA_CERTIFICATE_FILE'],
  keyId: ['MCA_KEY_ID'],
  signingAlgorithm: ['MCA_SIGNING_ALGORITHM'],
  assertionAudience: ['MCA_ASSERTION_AUDIENCE'],
  x5t: [],
  x5c: [],
  clientAssertionFile: ['MCA_CLIENT_ASSERTION_FILE'],
  apikey: ['MCA_APIKEY'],
  iamUrl: ['MCA_IAM_URL'],
  iamProfileId: ['MCA_IAM_PROFILE_ID'],
  iamProfileName: ['MCA_IAM_PROFILE_NAME'],
  iamProfileCrn: ['MCA_IAM_PROFILE_CRN'],
  crTokenFile: ['MCA_CR_TOKEN_FILE'],
  iamClientId: ['MCA_IAM_CLIENT_ID'],
  iamClientSecret: ['MCA_IAM_CLIENT_SECRET'],
};
/** The settings an entry may carry besides `match` and `name`. */
export const ENTRY_SETTINGS = Object.keys(SETTING_VARIABLES) as (keyof BackendTokenSettings)[];

// Resolved field by field (option, environment, .env, VCAP) and layered over the middleware's;
// the other settings (keys, files, IAM) go to the resolver as options, which names the field.
const FIELDS: ReadonlySet<string> = new Set<CredentialField | 'appId'>([
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
// The credential that makes an OAuth client: an entry with its own client id must bring one along.
const CLIENT_CREDENTIALS: readonly string[] = ['secret', 'privateKey', 'privateKeyFile', 'clientAssertionFile'];
// What makes an IAM client of its own: an API key, or a trusted profile to assume.
const IAM_IDENTITY: readonly string[] = ['apikey', 'iamProfileId', 'iamProfileName', 'iamProfileCrn'];
// How an OAuth client authenticates belongs to that client (a key-based method would otherwise
// sign for it with the middleware's key).
const CLIENT_MATERIAL: readonly string[] = [
  'secret',
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
  'clientAssertionFile',
];
// What moves an entry's token server away from the middleware's.
const ENDPOINT_SETTINGS: readonly string[] = ['tokenUrl', 'serverUrl', 'oauthServerUrl', 'iamUrl'];
// IAM's credential and its optional Basic client belong to one IAM client.
const IAM_CREDENTIAL: readonly string[] = [...IAM_IDENTITY, 'iamClientId', 'iamClientSecret'];
// An OAuth client and its server: nothing of it applies to IAM, which has an endpoint of its own.
const OAUTH_CLIENT: readonly string[] = [
  'clientId',
  'tenantId',
  'appId',
  'serverUrl',
  'oauthServerUrl',
  'tokenUrl',
  'audience',
  'resource',
  ...CLIENT_MATERIAL,
];

/** An error about one entry's field, naming it and where the list came from. */
export function entryError(place: EntryPlace, field: string | undefined, code: string, fix: string): McaConfigError {
  const where = field === undefined ? `protectedBackends[${place.index}]` : `protectedBackends[${place.index}].${field}`;
  return new McaConfigError(code, `Invalid \`${where}\`: ${fix} The entry is in ${place.listFrom}.`, { field: where });
}

/**
 * What an entry takes of the middleware's settings. An entry with a client of its own takes none
 * of the middleware's client material: with its own `clientId`, no secret, key, assertion file or
 * IAM setting (apikey, profile, token file, `iamUrl`, IAM client, a bound service's key); with its
 * own `apikey` or trusted profile, no OAuth client, endpoint, `audience`, `resource`, nor another
 * IAM credential (it keeps `iamUrl`, and for a profile the token file: the workload's identity,
 * whatever profile it assumes). `scope` is inherited only from a middleware of the same kind:
 * IAM's scopes mean nothing to an OAuth server, and the other way round.
 */
function withheldSettings(entry: Record<string, unknown>, ownClientId: boolean, mainIsIam: boolean): Set<string> {
  if (IAM_IDENTITY.some((key) => entry[key] !== undefined)) {
    const file = entry.apikey !== undefined ? ['crTokenFile'] : [];
    return new Set([...OAUTH_CLIENT, ...IAM_CREDENTIAL, ...file, ...(mainIsIam ? [] : ['scope'])]);
  }
  if (ownClientId) return new Set([...CLIENT_MATERIAL, ...IAM_CREDENTIAL, 'crTokenFile', 'iamUrl', ...(mainIsIam ? ['scope'] : [])]);
  return new Set();
}

/** The environment as the entry sees it: without the variables of what it must not inherit. */
function withoutVariables(env: EnvSource, withheld: ReadonlySet<string>): EnvSource {
  const hidden = new Set([...withheld].flatMap((key) => SETTING_VARIABLES[key as keyof BackendTokenSettings] ?? []));
  if (hidden.size === 0) return env;
  return {
    get: (name) => (hidden.has(name) ? undefined : env.get(name)),
    getPresent: (name) => (hidden.has(name) ? undefined : env.getPresent(name)),
    envFilePath: env.envFilePath,
  };
}

/** Settings an entry may not set alone: each belongs to a client the entry must name too. */
function checkCompleteness(entry: Record<string, unknown>, place: EntryPlace): void {
  // An IAM client with an OAuth client's fields is refused by the resolver, which names both.
  if (IAM_IDENTITY.some((key) => entry[key] !== undefined)) return;
  const credential = CLIENT_CREDENTIALS.find((key) => entry[key] !== undefined);
  if (entry.clientId !== undefined && credential === undefined) {
    const keyBased = typeof entry.clientAuth === 'string' && entry.clientAuth.toLowerCase() === 'private_key_jwt';
    throw entryError(
      place,
      keyBased ? 'privateKey' : 'secret',
      keyBased ? 'ERR_MCA_MISSING_PRIVATE_KEY' : 'ERR_MCA_MISSING_SECRET',
      `the entry sets its own \`clientId\` but no ${keyBased ? '`privateKey` or `privateKeyFile`' : '`secret`'}; it never borrows the middleware's. Set it on the entry (from your secret store or an environment variable).`,
    );
  }
  if (entry.clientId === undefined && credential !== undefined) {
    throw entryError(
      place,
      'clientId',
      'ERR_MCA_MISSING_CLIENT_ID',
      `the entry sets a \`${credential}\` but no \`clientId\`. Set the \`clientId\` it belongs to.`,
    );
  }
  if (entry.crTokenFile !== undefined) {
    throw entryError(
      place,
      'iamProfileId',
      'ERR_MCA_MISSING_IAM_PROFILE_ID',
      "the entry sets a `crTokenFile` but no trusted profile; it never assumes the middleware's with another token. Set `iamProfileId`, `iamProfileName` or `iamProfileCrn` on the entry.",
    );
  }
  const iamClient = ['iamClientId', 'iamClientSecret'].find((key) => entry[key] !== undefined);
  if (iamClient !== undefined) {
    throw entryError(
      place,
      'apikey',
      'ERR_MCA_MISSING_APIKEY',
      `the entry sets an \`${iamClient}\` but no \`apikey\` or trusted profile; it never lends the middleware's to another IAM client. Set the \`apikey\` (or profile) on the entry.`,
    );
  }
}

/**
 * Resolves the token configuration of an entry that sets token settings, through the same
 * resolution as the middleware's own (`options` and `env`), so each entry gets the same validation
 * and the same fallbacks, less what {@link withheldSettings} keeps back. Undefined when the entry
 * sets none (it uses the middleware's token). An error names the entry's field, e.g.
 * `protectedBackends[2].apikey`, and where the list came from.
 */
export function resolveEntryToken(
  entry: Record<string, unknown>,
  place: EntryPlace,
  options: Record<string, unknown>,
  env: EnvSource,
  main: ProviderConfig,
): ProviderConfig | undefined {
  // `apikey: process.env.COS_APIKEY` with the variable unset would leave an entry with no client of
  // its own, and the middleware's token would go to that back end: fail closed instead.
  const unset = ['clientId', ...CLIENT_CREDENTIALS, ...IAM_CREDENTIAL, 'crTokenFile'].find((key) => Object.hasOwn(entry, key) && entry[key] === undefined);
  // `tokenUrl: process.env.INV_TOKEN_URL`, unset, next to a client of its own: that client's
  // credential would go to the middleware's token server, which it was never meant for.
  const ownClient = entry.clientId !== undefined || IAM_IDENTITY.some((key) => entry[key] !== undefined);
  const unsetEndpoint = ownClient ? ENDPOINT_SETTINGS.find((key) => Object.hasOwn(entry, key) && entry[key] === undefined) : undefined;
  if (unset === undefined && unsetEndpoint !== undefined) {
    throw entryError(
      place,
      unsetEndpoint,
      `ERR_MCA_INVALID_${constantCase(unsetEndpoint)}`,
      "it is present but undefined (an unset environment variable?). Without it the entry's own client would send its credential to the middleware's token server. Give it a value, or remove the key to use the middleware's server.",
    );
  }
  if (unset !== undefined) {
    throw entryError(
      place,
      unset,
      `ERR_MCA_INVALID_${constantCase(unset)}`,
      "it is present but undefined (an unset environment variable?). Without it the entry would get another client's token. Give it a value, or remove the key to use the middleware's token.",
    );
  }
  const own: Partial<Record<CredentialField, string>> = {};
  const material: Record<string, unknown> = {};
  let any = false;
  for (const key of ENTRY_SETTINGS) {
    if (!FIELDS.has(key)) {
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
      throw entryError(place, key, `ERR_MCA_INVALID_${constantCase(key)}`, 'it must be a non-empty string.');
    }
    if (value === undefined) continue;
    any = true;
    if (key === 'appId' || key === 'tenantId') {
      if (own.tenantId !== undefined && own.tenantId !== value) {
        throw entryError(
          place,
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
  checkCompleteness(entry, place);

  const withheld = withheldSettings(entry, own.clientId !== undefined, main.endpointKind === 'iam');
  const inherited: Record<string | symbol, unknown> = { ...options };
  for (const key of withheld) delete inherited[key];
  Object.assign(inherited, material);
  // Messages, `check` and the grants' own errors name the entry's field for what the entry set.
  inherited[OPTION_ORIGIN] = (field: string): string | undefined => {
    const key = field === 'tenantId' && entry.tenantId === undefined ? 'appId' : field;
    return entry[key] !== undefined ? `\`protectedBackends[${place.index}].${key}\`` : undefined;
  };
  let config: ProviderConfig;
  try {
    config = resolveProviderConfig(inherited, withoutVariables(env, withheld), undefined, { fields: own, withheld });
  } catch (error) {
    if (!isMcaOAuthError(error)) throw error;
    const field = (error as McaConfigError).field;
    const where = field === undefined ? `protectedBackends[${place.index}]` : `protectedBackends[${place.index}].${field}`;
    const named = field !== undefined && error.message.includes(`\`${field}\``);
    const message = named ? error.message.replace(`\`${field}\``, `\`${where}\``) : `\`${where}\`: ${error.message}`;
    throw new McaConfigError(error.code, `${message} The entry is in ${place.listFrom}.`, { field: where });
  }
  checkBorrowedCredential(entry, place, own.clientId !== undefined, config, main, options, env);
  return config;
}

/**
 * The middleware's credential (secret, key, API key) goes only to the token server the
 * middleware's own configuration names. An entry that borrows it (no client of its own) but points
 * at a server on another origin is refused: whoever can edit the list (a JSON file, say) must not
 * be able to send the middleware's credential to a server of their choosing. Another tenant or
 * path on the same server is fine: the credential goes there already.
 */
function checkBorrowedCredential(
  entry: Record<string, unknown>,
  place: EntryPlace,
  ownClientId: boolean,
  config: ProviderConfig,
  main: ProviderConfig,
  options: Record<string, unknown>,
  env: EnvSource,
): void {
  if (ownClientId || entry.apikey !== undefined) return;
  let reference = main.tokenUrl;
  const profile = IAM_IDENTITY.some((key) => entry[key] !== undefined);
  if (profile) {
    // A profile of its own still sends the workload's token file, which it takes from the
    // middleware unless it names one: only to the IAM the middleware's configuration names.
    if (entry.crTokenFile !== undefined || entry.iamUrl === undefined) return;
    reference = main.endpointKind === 'iam' ? main.tokenUrl : iamTokenUrl(options, env, main.allowInsecureHttp);
  }
  if (new URL(config.tokenUrl).origin === new URL(reference).origin) return;
  const field = ENDPOINT_SETTINGS.find((key) => entry[key] !== undefined) ?? 'tokenUrl';
  if (profile) {
    throw entryError(
      place,
      field,
      'ERR_MCA_BORROWED_CREDENTIAL',
      "the entry's IAM is on another origin than the middleware's, and the entry takes the middleware's compute-resource token file, so the workload's token would go there. Name the entry's own `crTokenFile`, or point it at the middleware's IAM (`iamUrl`, MCA_IAM_URL).",
    );
  }
  throw entryError(
    place,
    field,
    'ERR_MCA_BORROWED_CREDENTIAL',
    `the entry's token server is on another origin than the middleware's, and the entry has no client of its own, so the middleware's credential would go there. Give the entry its own client (\`clientId\` with its \`secret\` or key, or an \`apikey\` / trusted profile), or point it at the middleware's token server.`,
  );
}
