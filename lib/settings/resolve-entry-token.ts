import { McaConfigError } from '../errors/mca-config-error';
import type { BackendTokenSettings } from './options';
import { constantCase } from '../errors/field-code';
import type { FieldScope } from '../errors/field-scope';
import { iamTokenUrl } from './resolve-iam';
import { ENTRY_TOKEN_SETTINGS } from './settings-table';
import { CLIENT_CREDENTIALS, ENDPOINT_SETTINGS, IAM_CREDENTIAL, IAM_IDENTITY, PER_FIELD, withheldSettings } from './entry-overlay';
import { deriveProviderConfig, type CredentialField, type ProviderConfig } from './resolve-config';
import { overlaySettings, type ResolvedSettings } from './resolve-settings';

/** Where an entry sits, for messages: its index, and where the list came from. */
export interface EntryPlace {
  index: number;
  /** "the `protectedBackends` option", "the JSON file /app/backends.json (named by MCA_PROTECTED_BACKENDS_FILE)". */
  listFrom: string;
}

/** The settings an entry may carry besides `match` and `name`, from the settings table. */
export const ENTRY_SETTINGS = ENTRY_TOKEN_SETTINGS as readonly (keyof BackendTokenSettings)[];

/** An error about one entry's field, naming it and where the list came from. */
export function entryError(place: EntryPlace, field: string | undefined, code: string, fix: string): McaConfigError {
  const where = field === undefined ? `protectedBackends[${place.index}]` : `protectedBackends[${place.index}].${field}`;
  return new McaConfigError(code, `Invalid \`${where}\`: ${fix} The entry is in ${place.listFrom}.`, { field: where });
}

/** Whose settings an entry's are, for the messages of every error about them. */
function entryScope(place: EntryPlace): FieldScope {
  return { prefix: `protectedBackends[${place.index}].`, note: ` The entry is in ${place.listFrom}.` };
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

/** An entry's settings, ready for the derivation the middleware's own went through. */
export interface EntryResolution {
  settings: ResolvedSettings;
  /** The entry sets its own `clientId`. */
  ownClientId: boolean;
}

/**
 * Checks an entry's token settings and overlays them on the middleware's resolved settings, less
 * what {@link withheldSettings} keeps back, so each entry gets the same validation and the same
 * fallbacks. Undefined when the entry sets none (it uses the middleware's token).
 */
function prepareEntryToken(entry: Record<string, unknown>, place: EntryPlace, main: ResolvedSettings, mainConfig: ProviderConfig): EntryResolution | undefined {
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
  // No prototype: a key polluted onto Object.prototype (`privateKeyFile`, say) must not read as
  // the entry's own setting.
  const own = Object.create(null) as Partial<Record<CredentialField, string>>;
  const material = Object.create(null) as Record<string, unknown>;
  let any = false;
  for (const key of ENTRY_SETTINGS) {
    if (!PER_FIELD.has(key)) {
      if (entry[key] !== undefined) {
        material[key] = entry[key];
        any = true;
      }
      continue;
    }
    const value = entry[key];
    if (value === undefined) continue;
    if (typeof value !== 'string' || value.trim() === '')
      throw entryError(place, key, `ERR_MCA_INVALID_${constantCase(key)}`, 'it must be a non-empty string.');
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

  const withheld = withheldSettings(entry, mainConfig.endpointKind === 'iam');
  // Messages, `check` and the grants' own errors name the entry's field for what the entry set.
  const labels = Object.create(null) as Record<string, string>;
  for (const [key, value] of Object.entries(entry)) if (value !== undefined) labels[key] = `\`protectedBackends[${place.index}].${key}\``;
  // `appId` stands for `tenantId`, as everywhere.
  if (entry.tenantId === undefined && labels.appId !== undefined) labels.tenantId = labels.appId;
  // Every error of the entry's derivation, down to the key parsers, names the entry's field and
  // where the list came from as it is built.
  const settings = overlaySettings(main, { fields: own, material, withheld, labels, scope: entryScope(place) });
  return { settings, ownClientId: own.clientId !== undefined };
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
  mainSettings: ResolvedSettings,
): void {
  if (ownClientId || entry.apikey !== undefined) return;
  let reference = main.tokenUrl;
  const profile = IAM_IDENTITY.some((key) => entry[key] !== undefined);
  if (profile) {
    // A profile of its own still sends the workload's token file, which it takes from the
    // middleware unless it names one: only to the IAM the middleware's configuration names.
    if (entry.crTokenFile !== undefined || entry.iamUrl === undefined) return;
    reference = main.endpointKind === 'iam' ? main.tokenUrl : iamTokenUrl(mainSettings, main.allowInsecureHttp);
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

/**
 * An entry's own token configuration: its settings overlaid on the middleware's (prepared in
 * resolve-entry-token.ts), through the same derivation as the middleware's own, then the check
 * that it sends no borrowed credential elsewhere. Undefined when it sets no token setting.
 */
export function resolveEntryToken(
  entry: Record<string, unknown>,
  place: EntryPlace,
  settings: ResolvedSettings,
  main: ProviderConfig,
): ProviderConfig | undefined {
  const prepared = prepareEntryToken(entry, place, settings, main);
  if (prepared === undefined) return undefined;
  // Its errors name the entry's field and where the list came from (the scope of its overlay).
  const config = deriveProviderConfig(prepared.settings);
  checkBorrowedCredential(entry, place, prepared.ownClientId, config, main, settings);
  return config;
}
