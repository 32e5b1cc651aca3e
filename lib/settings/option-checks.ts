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
 * Set on an options object whose values are not all the caller's own options (a
 * `protectedBackends` entry's settings over the middleware's): a record (no prototype) naming
 * where each such field came from; a field it does not name is the caller's own option.
 */
export const OPTION_ORIGIN = Symbol('express-mca-oauth option origin');

/** Set beside {@link OPTION_ORIGIN}: whose settings these are, for every message about them (a `protectedBackends` entry's). */
export const OPTION_SCOPE = Symbol('express-mca-oauth option scope');

/** Whose settings an options object holds: the caller's own, or what {@link OPTION_SCOPE} says. */
export function scopeOf(options: Record<string, unknown>): FieldScope {
  return (options as { [OPTION_SCOPE]?: FieldScope })[OPTION_SCOPE] ?? OWN_SETTINGS;
}

/** Where an option's value came from, for messages: `the \`apikey\` option`, or what {@link OPTION_ORIGIN} says. */
export function optionOrigin(options: Record<string, unknown>, field: string): string {
  const labels = (options as { [OPTION_ORIGIN]?: Readonly<Record<string, string>> })[OPTION_ORIGIN];
  return labels?.[field] ?? `the \`${field}\` option`;
}

/**
 * An option the caller passed: own keys only, so that what another library put on
 * Object.prototype is never read as a setting, whatever object the options arrive in.
 */
export function ownValue(options: Record<string, unknown>, field: string): unknown {
  return Object.hasOwn(options, field) ? options[field] : undefined;
}

/** Options for a reader that has none of the caller's (a variable alone decides): nothing inherited. */
export const NO_OPTIONS: Record<string, unknown> = Object.freeze(Object.create(null) as Record<string, unknown>);

/** undefined means "not passed"; anything else must be a non-empty string. */
export function optionalString(options: Record<string, unknown>, field: string): string | undefined {
  const value = ownValue(options, field);
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.trim() === '') throw invalid(field, 'it must be a non-empty string.', undefined, scopeOf(options));
  return value;
}

export function numberOption(
  options: Record<string, unknown>,
  field: string,
  fallback: number,
  rule: { integer?: boolean; min: number; minExclusive?: boolean; max?: number },
): number {
  const value = ownValue(options, field);
  if (value === undefined) return fallback;
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (!rule.integer || Number.isInteger(value)) &&
    (rule.minExclusive ? value > rule.min : value >= rule.min) &&
    (rule.max === undefined || value <= rule.max);
  if (!ok) {
    const kind = rule.integer ? 'an integer' : 'a finite number';
    const bound = (rule.minExclusive ? `greater than ${rule.min}` : `of at least ${rule.min}`) + (rule.max === undefined ? '' : ` and at most ${rule.max}`);
    throw invalid(field, `it must be ${kind} ${bound} (default ${fallback}).`, undefined, scopeOf(options));
  }
  return value;
}

/**
 * The longest delay Node's setTimeout honours; a longer one fires after 1 ms, so a "no timeout"
 * of 1e12 would time every request out at once.
 */
export const MAX_TIMER_MS = 2_147_483_647;

/** Parses an http(s) URL. The value is never echoed: a URL may carry credentials. */
export function httpUrl(field: string, value: string, from?: string, scope: FieldScope = OWN_SETTINGS): URL {
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

/** `true`/`false` (also `1`/`0`, any case) for a boolean environment variable. */
export function parseBooleanVariable(name: string, value: string, from: string, scope: FieldScope = OWN_SETTINGS): boolean {
  const v = value.toLowerCase();
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw invalid(name, 'it must be "true" or "false".', from, scope);
}

/**
 * The caller's own option values in an object with no prototype: a property that prototype
 * pollution elsewhere in the application put on Object.prototype (`tokenUrl`, `protectedBackends`)
 * must not become an option.
 */
export function ownOptions(options: Record<string, unknown>): Record<string, unknown> {
  return Object.assign(Object.create(null) as Record<string, unknown>, options);
}
