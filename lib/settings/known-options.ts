import { McaConfigError } from '../errors/mca-config-error';
import { capped } from '../errors/echo';

// The lists come from the settings table, whose rows the compiler checks against the option
// types (a row for every key and no other), so the unknown-option check can never reject a
// documented option.
export { PROVIDER_OPTION_KEYS, MIDDLEWARE_OPTION_KEYS } from './settings-table';

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      row[j] = Math.min(above + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length]!;
}

// Spellings users bring from the seed SDK, IBM's other SDKs (ibmcloud-appid, ibm-cloud-sdk-core)
// and RFC 6749's wire names. Compared lower-case with "_" and "-" dropped.
const ALIASES: Record<string, string> = {
  clientsecret: 'secret',
  secretkey: 'secret',
  password: 'secret',
  apisecret: 'secret',
  appsecret: 'secret',
  clientkey: 'clientId',
  username: 'clientId',
  client: 'clientId',
  tenant: 'tenantId',
  applicationid: 'tenantId',
  appguid: 'tenantId',
  applicationguid: 'tenantId',
  serverurl: 'serverUrl',
  authserverurl: 'serverUrl',
  url: 'tokenUrl',
  tokenendpoint: 'tokenUrl',
  accesstokenurl: 'tokenUrl',
  tokenuri: 'tokenUrl',
  issuer: 'oauthServerUrl',
  oauthserver: 'oauthServerUrl',
  scopes: 'scope',
  authmethod: 'clientAuth',
  tokenendpointauthmethod: 'clientAuth',
  authenticationtype: 'clientAuth',
  timeout: 'timeoutMs',
  deadline: 'deadlineMs',
  retry: 'retries',
  maxretries: 'retries',
  cachesize: 'cacheSize',
  cache: 'store',
  redisurl: 'store',
  backends: 'protectedBackends',
  allowedhosts: 'protectedBackends',
  allowhttp: 'allowInsecureHttp',
  insecure: 'allowInsecureHttp',
  key: 'privateKey',
  privatekeypath: 'privateKeyFile',
  keyfile: 'privateKeyFile',
  keypath: 'privateKeyFile',
  cert: 'certificate',
  certfile: 'certificateFile',
  certificatepath: 'certificateFile',
  kid: 'keyId',
  alg: 'signingAlgorithm',
  algorithm: 'signingAlgorithm',
  iamapikey: 'apikey',
  crtokenfilename: 'crTokenFile',
  iamprofile: 'iamProfileId',
  clientassertion: 'clientAssertionFile',
};

function normalized(key: string): string {
  return key.toLowerCase().replace(/[_-]/g, '');
}

export function suggest(key: string, known: ReadonlySet<string>): string | undefined {
  const alias = ALIASES[normalized(key)];
  if (alias !== undefined && known.has(alias)) return alias;
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of known) {
    const d = normalized(candidate) === normalized(key) ? 0 : distance(key, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/** Rejects anything but a plain object of known keys, helmet-style, with a suggestion for typos. */
export function checkOptionKeys(options: unknown, known: ReadonlySet<string>, factory: string): Record<string, unknown> {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new McaConfigError('ERR_MCA_INVALID_OPTIONS', `${factory}() takes an options object (or nothing).`, {
      field: 'options',
    });
  }
  for (const key of Object.keys(options)) {
    if (!known.has(key)) {
      const hint = suggest(key, known);
      const shown = capped(key, 60);
      throw new McaConfigError(
        'ERR_MCA_UNKNOWN_OPTION',
        `${factory}() received an unsupported option \`${shown}\`.${hint ? ` Did you mean \`${hint}\`?` : ''} See docs/configuration.md for the list.`,
        { field: shown },
      );
    }
  }
  // A copy with no prototype: later reads (`options.tokenUrl`) see the caller's own values only,
  // never what prototype pollution elsewhere put on Object.prototype.
  return ownOptions(options as Record<string, unknown>);
}

/**
 * The caller's own option values in an object with no prototype: a property that prototype
 * pollution elsewhere in the application put on Object.prototype (`tokenUrl`, `protectedBackends`)
 * must not become an option.
 */
export function ownOptions(options: Record<string, unknown>): Record<string, unknown> {
  return Object.assign(Object.create(null) as Record<string, unknown>, options);
}
