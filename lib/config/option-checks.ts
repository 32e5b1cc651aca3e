import { McaConfigError } from '../errors/mca-config-error';

/** `clientId` → `CLIENT_ID`, for codes like `ERR_MCA_INVALID_CLIENT_ID`. */
export function constantCase(field: string): string {
  return field.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

export function invalid(field: string, fix: string): McaConfigError {
  return new McaConfigError(`ERR_MCA_INVALID_${constantCase(field)}`, `Invalid \`${field}\`: ${fix}`, { field });
}

/** undefined means "not passed"; anything else must be a non-empty string. */
export function optionalString(options: Record<string, unknown>, field: string): string | undefined {
  const value = options[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.trim() === '') throw invalid(field, 'it must be a non-empty string.');
  return value;
}

export function numberOption(
  options: Record<string, unknown>,
  field: string,
  fallback: number,
  rule: { integer?: boolean; min: number; minExclusive?: boolean },
): number {
  const value = options[field];
  if (value === undefined) return fallback;
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (!rule.integer || Number.isInteger(value)) &&
    (rule.minExclusive ? value > rule.min : value >= rule.min);
  if (!ok) {
    const kind = rule.integer ? 'an integer' : 'a finite number';
    const bound = rule.minExclusive ? `greater than ${rule.min}` : `of at least ${rule.min}`;
    throw invalid(field, `it must be ${kind} ${bound} (default ${fallback}).`);
  }
  return value;
}

/** Parses an http(s) URL. The value is never echoed: a URL may carry credentials. */
export function httpUrl(field: string, value: string): URL {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw invalid(field, 'it is not an absolute URL. Give an http:// or https:// URL.');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw invalid(field, `its scheme is "${url.protocol}". Give an http:// or https:// URL.`);
  }
  return url;
}
