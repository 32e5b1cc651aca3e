const REDACTED = '[redacted]';
const CREDENTIAL_LINE = /^((?:proxy-)?authorization):[^\r\n]*/gim;
const CREDENTIAL_NAMES = new Set(['authorization', 'proxy-authorization']);

/**
 * Replaces the credentials in a request object that has been sent: Node's `ClientRequest` (its raw
 * header block `_header` and its header map) or a fetch `Request` (its `Headers`). Such an object
 * outlives the call in many places that applications log: an error's `request`, a response
 * stream's `req`, the pipes of a stream body. Scrubbing the object itself covers them all, what
 * ever raised the error. Called once the response (or the failure) is in: the bytes are on the
 * wire, and nothing reads these fields again.
 */
export function scrubSentRequest(request: unknown): void {
  if (typeof request !== 'object' || request === null) return;
  const raw = request as { _header?: unknown };
  if (typeof raw._header === 'string') {
    raw._header = raw._header.replace(CREDENTIAL_LINE, `$1: ${REDACTED}`);
    // The header map of http.OutgoingMessage lives under a symbol; its values are [name, value].
    for (const symbol of Object.getOwnPropertySymbols(request)) {
      if (symbol.description !== 'kOutHeaders') continue;
      const map = (request as Record<symbol, Record<string, [string, unknown]> | null>)[symbol];
      if (!map) continue;
      for (const key of Object.keys(map)) if (CREDENTIAL_NAMES.has(key)) map[key]![1] = REDACTED;
    }
    return;
  }
  if (typeof Request === 'function' && request instanceof Request) {
    for (const name of CREDENTIAL_NAMES) {
      try {
        if (request.headers.has(name)) request.headers.set(name, REDACTED);
      } catch {
        // An immutable Headers guard: nothing to do but leave it.
      }
    }
  }
}
