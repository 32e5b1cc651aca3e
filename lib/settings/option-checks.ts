import { McaConfigError } from '../errors/mca-config-error';
import { OWN_SETTINGS, fieldName, scopedField, type FieldScope } from '../errors/field-scope';
import { cleartextAllowed } from '../token/cleartext';
import { constantCase } from '../errors/field-code';

/**
 * `from` says where the value came from (the option, a variable, a VCAP path), never the value;
 * `scope` whose setting it is (the middleware's, or a `protectedBackends` entry's).
 */
export function invalid(field: string, fix: string, from?: string, scope: FieldScope = OWN_SETTINGS): McaConfigError {
  const where = from === undefined ? '' : ` (from ${from})`;
  return new McaConfigError(`ERR_MCA_INVALID_${constantCase(field)}`, `Invalid ${fieldName(field, scope)}${where}: ${fix}${scope.note}`, {
    field: scopedField(field, scope),
  });
}

/**
 * The longest delay Node's setTimeout honours; a longer one fires after 1 ms, so a "no timeout"
 * of 1e12 would time every request out at once.
 */
export const MAX_TIMER_MS = 2_147_483_647;

/** Parses an http(s) URL. The value is never echoed: a URL may carry credentials. */
function httpUrl(field: string, value: string, from?: string, scope: FieldScope = OWN_SETTINGS): URL {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw invalid(field, 'it is not an absolute URL. Give an http:// or https:// URL.', from, scope);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    // The "scheme" is not echoed: in `user:secret@host` it is the user name.
    throw invalid(field, 'its scheme is not http or https. Give an http:// or https:// URL.', from, scope);
  }
  return url;
}

/**
 * A URL the client credentials are sent to. Userinfo would make axios replace the Basic header
 * with it; a `?` or `#` in a base URL would move the token path into the query or the fragment;
 * plain `http:` beyond loopback puts the credentials on the wire in clear.
 */
export function credentialUrl(
  field: string,
  value: string,
  from: string,
  opts: { base: boolean; allowInsecureHttp: boolean },
  scope: FieldScope = OWN_SETTINGS,
): URL {
  const url = httpUrl(field, value, from, scope);
  if (url.username !== '' || url.password !== '') {
    throw invalid(
      field,
      'it carries `user:password@`, which would replace the client credentials. Remove it; pass `clientId` and `secret` instead.',
      from,
      scope,
    );
  }
  if (opts.base && /[?#]/.test(value)) {
    throw invalid(field, 'it has a "?" or "#", which would move the token path into the query or fragment. Give the base URL alone.', from, scope);
  }
  if (!cleartextAllowed(url, opts.allowInsecureHttp)) {
    throw invalid(
      field,
      'it is plain http:// to a host other than loopback, so the client credentials would cross the network in clear. Use https://, or opt in with `allowInsecureHttp: true` (MCA_ALLOW_INSECURE_HTTP=true).',
      from,
      scope,
    );
  }
  return url;
}
