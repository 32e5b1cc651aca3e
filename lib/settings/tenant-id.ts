import { OWN_SETTINGS, type FieldScope } from '../errors/field-scope';
import { invalid } from './option-checks';

// Pasted into a URL path as the seed does (`…/apps/{tenant}/token`, `/v2/apps/{appId}/summary`), so
// it must not leave its segment: no "/", "\\" (WHATWG reads it as "/"), "?", "#", "%" (a server
// that decodes after routing sees "%2f" as "/"), whitespace or control characters, and no ";"
// either: Java servers (MCA ran on Liberty) cut a path parameter off before resolving dot
// segments, so "..;" climbs a level there. "." and ".." are dot segments themselves. A tenant GUID
// holds none of these.
const TENANT_ID = /^[^\s/?#%\\;]+$/;
// Control characters, tested apart (a regex literal of them is a lint error for good reason).
const hasControl = (value: string): boolean => {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
};
const MAX_LENGTH = 256;

/**
 * The one tenant rule, for every flow that builds a URL from a tenant or app id: the middleware's
 * `tenantId`/`appId` and the certificate flow's `appId`. `field` and `from` name the value in the
 * error; the value itself is never echoed.
 */
export function checkTenantId(field: 'tenantId' | 'appId', value: unknown, from?: string, scope: FieldScope = OWN_SETTINGS): string {
  if (typeof value !== 'string' || value.length > MAX_LENGTH || !TENANT_ID.test(value) || hasControl(value) || value === '.' || value === '..') {
    throw invalid(
      field,
      `it must be a string of at most ${MAX_LENGTH} characters without whitespace, control characters, "/", "?", "#", "%", ";" or "\\", and not "." or "..". Give the tenant GUID.`,
      from,
      scope,
    );
  }
  return value;
}
