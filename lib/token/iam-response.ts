// What IBM Cloud IAM's token service answers beyond RFC 6749: errors as
// `{ "errorCode": "BXNIM0415E", "errorMessage": "…", "context": { … } }`, and next to `expires_in`
// an absolute `expiration` (epoch seconds). Any endpoint may answer so; only IAM does.

// IBM's message ids: "BXN", a two-letter component, four digits, a severity letter. Nothing a
// hostile server could smuggle a credential through, unlike the free-text `errorMessage`, which is
// never echoed.
const IAM_ERROR_CODE = /^BXN[A-Z]{2}\d{4}[A-Z]$/;

/** IAM's `errorCode` in an error body, when it has IBM's form. */
export function iamErrorCode(body: unknown): string | undefined {
  if (typeof body !== 'string' || !body.includes('errorCode')) return undefined;
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed !== 'object' || parsed === null || !Object.hasOwn(parsed, 'errorCode')) return undefined;
    const code = (parsed as { errorCode?: unknown }).errorCode;
    return typeof code === 'string' && IAM_ERROR_CODE.test(code) ? code : undefined;
  } catch {
    return undefined;
  }
}

// The Date header has a resolution of one second, `expiration` too.
const SLACK_MS = 2000;

/**
 * `expires_in`, counted from before the request, decides a token's lifetime. IAM's `expiration`
 * serves as a cross-check, read against the server's own `Date` (never this machine's clock, which
 * may be off): when it says the token ends sooner, the sooner end is believed. Returns the lifetime
 * to use, or undefined when `expiration` says the token has already expired.
 */
export function crossCheckExpiration(expiration: unknown, serverDate: string | undefined, lifetimeMs: number): number | undefined {
  if (typeof expiration !== 'number' || !Number.isFinite(expiration) || serverDate === undefined) return lifetimeMs;
  const serverNow = Date.parse(serverDate);
  if (Number.isNaN(serverNow)) return lifetimeMs;
  const byExpiration = expiration * 1000 - serverNow;
  if (byExpiration <= 0) return undefined;
  return byExpiration + SLACK_MS < lifetimeMs ? byExpiration : lifetimeMs;
}
