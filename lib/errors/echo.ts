// What an error message may repeat of a value it was given. A URL may carry `user:secret@` or an
// `?api_key=`, a server's answer may carry whatever it received: messages keep only the parts
// that cannot hold a credential, and never more than a short line of them.

const MAX_ECHO = 120;

/** Printable ASCII only, at most {@link MAX_ECHO} characters. */
export function capped(text: string, max = MAX_ECHO): string {
  const printable = text.replace(/[^\x20-\x7e]/g, '?');
  return printable.length > max ? `${printable.slice(0, max)}…` : printable;
}

/** Origin and path of a URL, without userinfo, query or fragment; undefined when it does not parse. */
export function echoUrl(value: string | URL): string | undefined {
  let url: URL;
  try {
    url = typeof value === 'string' ? new URL(value.trim()) : value;
  } catch {
    return undefined;
  }
  // Anything but http(s) may be a `user:secret@host` that merely parses as a scheme: echo nothing.
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
  return capped(`${url.origin}${url.pathname}`);
}

/**
 * The error codes of RFC 6749 (§4.1.2.1, §5.2) and RFC 8693. A server's `error` field is echoed only when it
 * is one of them: a hostile or broken server may put anything there, the credentials it received
 * included.
 */
const OAUTH_ERROR_CODES: ReadonlySet<string> = new Set([
  'invalid_request',
  'invalid_client',
  'invalid_grant',
  'unauthorized_client',
  'unsupported_grant_type',
  'invalid_scope',
  'access_denied',
  'unsupported_response_type',
  'server_error',
  'temporarily_unavailable',
  // RFC 8693 §2.2.2: the token exchange's own.
  'invalid_target',
  // RFC 9449 §12.2: DPoP's.
  'invalid_dpop_proof',
  'use_dpop_nonce',
]);

export function knownOAuthError(value: unknown): string | undefined {
  return typeof value === 'string' && OAUTH_ERROR_CODES.has(value) ? value : undefined;
}
