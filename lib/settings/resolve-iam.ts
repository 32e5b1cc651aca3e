import { McaConfigError } from '../errors/mca-config-error';
import type { ClientAuth } from '../token/client-auth/client-auth';
import { DEFAULT_IAM_URL, IAM_TOKEN_PATH, type IamClient } from '../token/client-auth/iam-grant';
import { IamApiKey } from '../token/client-auth/iam-api-key';
import { ComputeResourceToken, type TrustedProfile } from '../token/client-auth/compute-resource-token';
import type { ValueSource } from './env-source';
import { variablesOf } from './settings-table';
import { fieldName, scopedField, type FieldScope } from '../errors/field-scope';
import { credentialUrl, invalid } from './option-checks';
import type { ResolvedSettings } from './resolve-settings';
import { constantCase } from '../errors/field-code';

/** A value and where it came from, in words for messages ("option apikey", "environment variable MCA_APIKEY"). */
interface Setting {
  value: string;
  origin: string;
  explicit: boolean;
}

/** The credential fields already found by the caller, with their source. */
type FoundFields = Record<string, { value: string; source: ValueSource; from?: string } | undefined>;

export interface IamChoice {
  name: 'iam_apikey' | 'iam_cr_token';
  auth: ClientAuth;
  tokenUrl: string;
  /** Fields found only in VCAP_SERVICES that an explicitly configured IAM grant overrides. */
  dropped: string[];
}

// Given exactly: a stray space in a key or a profile only shows up later as IAM's BXNIM0415E.
const EXACT = new Set(['apikey', 'iamClientId', 'iamClientSecret', 'iamProfileId', 'iamProfileName', 'iamProfileCrn']);

function setting(settings: ResolvedSettings, field: string): Setting | undefined {
  const hit = settings.get(field);
  const found = hit && { value: hit.value as string, origin: hit.from, explicit: true };
  if (found && EXACT.has(field) && found.value.trim() !== found.value) {
    throw invalid(field, 'it has leading or trailing whitespace. Remove it (quotes in .env keep spaces).', found.origin, settings.scope);
  }
  return found;
}

// Each trusted-profile setting and the form field IAM takes it in.
const PROFILE_FIELDS = [
  ['iamProfileId', 'profile_id'],
  ['iamProfileName', 'profile_name'],
  ['iamProfileCrn', 'profile_crn'],
] as const;

/** The variables of settings as messages list them: one name, `A or B`, or `A, B or C`. */
function variablesText(...keys: string[]): string {
  const names = keys.flatMap((key) => variablesOf(key));
  return names.length < 2 ? names.join('') : `${names.slice(0, -1).join(', ')} or ${names.at(-1)!}`;
}
const TO_IAM_URL = `the IAM grants go to \`iamUrl\` (${variablesText('iamUrl')})`;
const PROFILE_VARIABLES = variablesText('iamProfileId', 'iamProfileName', 'iamProfileCrn');

// What another grant is made of. Set next to an IAM grant, it means the configuration names two
// ways to get a token, and which one was meant cannot be guessed.
const OTHER_GRANT: Record<string, string> = {
  secret: 'an API key or a trusted profile needs no client secret',
  clientId: "IAM's optional Basic client is `iamClientId` with `iamClientSecret`",
  clientAuth: 'it applies to the client-credentials grants, not to IAM',
  tokenUrl: TO_IAM_URL,
  serverUrl: TO_IAM_URL,
  oauthServerUrl: TO_IAM_URL,
  tenantId: 'it names an MCA tenant, which IAM has none of',
  audience: 'IAM takes no `audience`',
  resource: 'IAM takes no `resource`',
};
const OTHER_GRANT_OPTIONS: readonly string[] = ['privateKey', 'privateKeyFile', 'certificate', 'certificateFile', 'clientAssertionFile'];

function conflict(field: string, from: string, grant: Setting, why: string, scope: FieldScope): McaConfigError {
  return new McaConfigError(
    'ERR_MCA_CONFLICTING_OPTIONS',
    `Both an IAM grant (from ${grant.origin}) and ${fieldName(field, scope)} (from ${from}) are configured: ${why}. Remove one of them.${scope.note}`,
    { field: scopedField(field, scope) },
  );
}

/**
 * `{iamUrl}/identity/token`: a trailing `/identity/token` (or `/`) on the configured URL is not
 * doubled. The rules of every credential URL apply: https (http only to loopback, or with
 * `allowInsecureHttp`), no userinfo, no query or fragment.
 */
export function iamTokenUrl(settings: ResolvedSettings, allowInsecureHttp: boolean): string {
  const configured = setting(settings, 'iamUrl');
  const raw = configured?.value.trim() ?? DEFAULT_IAM_URL;
  const url = credentialUrl('iamUrl', raw, configured?.origin ?? 'the default', { base: true, allowInsecureHttp }, settings.scope);
  let base = url.href.replace(/\/+$/, '');
  if (base.endsWith(IAM_TOKEN_PATH)) base = base.slice(0, -IAM_TOKEN_PATH.length);
  return `${base}${IAM_TOKEN_PATH}`;
}

/** IAM's optional Basic client: both fields or neither (IBM's SDK silently drops a lone one). */
function iamClient(settings: ResolvedSettings): IamClient | undefined {
  const id = setting(settings, 'iamClientId');
  const secret = setting(settings, 'iamClientSecret');
  if (id && secret) return { id: id.value, secret: secret.value };
  if (!id && !secret) return undefined;
  const [given, lacking] = id ? [id, 'iamClientSecret'] : [secret!, 'iamClientId'];
  const envName = variablesOf(lacking).join(' or ');
  return failMissing(
    settings.scope,
    lacking,
    `\`${lacking === 'iamClientId' ? 'iamClientSecret' : 'iamClientId'}\` is set (from ${given.origin}), and IAM's Basic client needs both. Pass \`${lacking}\` or set ${envName}, or remove the other.`,
  );
}

function failMissing(scope: FieldScope, field: string, why: string): never {
  throw new McaConfigError(`ERR_MCA_MISSING_${constantCase(field)}`, `Missing ${fieldName(field, scope)}: ${why}${scope.note}`, {
    field: scopedField(field, scope),
  });
}

/**
 * Decides whether the configuration asks for one of IBM Cloud IAM's grants, and builds it: an
 * `apikey` (option, MCA_APIKEY, or the `credentials.apikey` of a binding that has no client secret),
 * or a trusted profile with a compute-resource token file. Undefined when it asks for neither.
 */
export function resolveIamGrant(settings: ResolvedSettings, found: FoundFields, allowInsecureHttp = false): IamChoice | undefined {
  const { scope, vcap } = settings;
  const explicitKey = setting(settings, 'apikey');
  const profiles = PROFILE_FIELDS.map(([field, form]) => ({ form, hit: setting(settings, field), field })).filter((p) => p.hit);
  const crFile = setting(settings, 'crTokenFile');
  // An App ID binding carries an `apikey` for its management API next to its client secret: such a
  // binding still means App ID. A binding with an apikey and no secret (Cloudant and most IBM
  // services) means IAM.
  const boundKey: Setting | undefined =
    vcap.apikey !== undefined && vcap.secret === undefined
      ? { value: vcap.apikey, origin: `VCAP_SERVICES service "${vcap.serviceName ?? '?'}" credentials.apikey`, explicit: false }
      : undefined;
  const wantsProfile = profiles.length > 0 || crFile !== undefined;
  const apikey = explicitKey ?? (wantsProfile ? undefined : boundKey);
  if (!apikey && !wantsProfile) {
    // IAM settings without a credential: the API key (or a profile) was meant and is missing.
    const iamOnly = setting(settings, 'iamUrl') ?? setting(settings, 'iamClientId');
    if (iamOnly) {
      failMissing(
        scope,
        'apikey',
        `IAM settings are given (from ${iamOnly.origin}) but no API key. Pass \`apikey\`, set ${variablesText('apikey')} in the environment or .env, or pick a bound service whose credentials hold an \`apikey\` with \`serviceName\` (${variablesText('serviceName')}); for a trusted profile, set ${PROFILE_VARIABLES}.`,
      );
    }
    return undefined;
  }

  if (apikey && wantsProfile) {
    const other = profiles[0]?.hit ?? crFile!;
    throw new McaConfigError(
      'ERR_MCA_CONFLICTING_OPTIONS',
      `Both an IAM API key (from ${apikey.origin}) and a trusted profile (from ${other.origin}) are configured. Give one: ${fieldName('apikey', scope)}, or a profile with its compute-resource token.${scope.note}`,
      { field: scopedField('apikey', scope) },
    );
  }
  const grant = apikey ?? profiles[0]?.hit ?? crFile!;
  const dropped: string[] = [];
  for (const [field, why] of Object.entries(OTHER_GRANT)) {
    const hit = found[field];
    if (hit === undefined) continue;
    // An explicit IAM setting wins over what a bound service happens to carry; the application's
    // own id (VCAP_APPLICATION, always there on Cloud Foundry) never names a grant.
    if (hit.source === 'VCAP_APPLICATION' || (hit.source === 'VCAP_SERVICES' && grant.explicit)) {
      dropped.push(field);
      continue;
    }
    throw conflict(field, hit.from ?? hit.source, grant, why, scope);
  }
  for (const field of OTHER_GRANT_OPTIONS) {
    // Set at all, acceptable or not: either way it names another grant.
    const hit = settings.peek(field);
    if (hit) throw conflict(field, hit.from, grant, 'it belongs to the client-assertion grants, not to IAM', scope);
  }

  const tokenUrl = iamTokenUrl(settings, allowInsecureHttp);
  const client = iamClient(settings);
  if (apikey) return { name: 'iam_apikey', auth: new IamApiKey({ apikey: apikey.value, origin: apikey.origin, client }), tokenUrl, dropped };

  if (profiles.length === 0) {
    failMissing(
      scope,
      'iamProfileId',
      `a compute-resource token file is set (from ${crFile!.origin}), but no trusted profile to assume. Pass \`iamProfileId\`, \`iamProfileName\` or \`iamProfileCrn\`, or set ${PROFILE_VARIABLES}.`,
    );
  }
  if (profiles.length > 1) {
    // The error is about the second profile given; the list of the three names it.
    const field = profiles[1]!.field;
    const names = PROFILE_FIELDS.map(([key]) => (key === field ? fieldName(key, scope) : `\`${key}\``)).join(', ');
    throw new McaConfigError(
      'ERR_MCA_CONFLICTING_OPTIONS',
      `More than one trusted profile is configured (${profiles.map((p) => p.hit!.origin).join(', ')}). Give one of ${names}.${scope.note}`,
      { field: scopedField(field, scope) },
    );
  }
  const profile: TrustedProfile = { field: profiles[0]!.form, value: profiles[0]!.hit!.value };
  const file = crFile && { path: crFile.value, origin: crFile.origin };
  return { name: 'iam_cr_token', auth: new ComputeResourceToken({ file, profile, client, scope }), tokenUrl, dropped };
}
