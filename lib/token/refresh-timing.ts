import type { StoredToken } from './token-store';

/** When a token should be refreshed in the background, and when it must no longer be handed out. */
export interface RefreshTiming {
  /** From here on, callers still get the token, and one background refresh runs. */
  refreshAt: number;
  /** From here on, callers wait for a new token (`exp − refreshSkew`). */
  usableUntil: number;
}

const MIN_WINDOW_MS = 30_000;
const MAX_WINDOW_MS = 300_000;

/**
 * The floor on a token's lifetime, for scheduling. A server that answers `expires_in: 0.001` (or
 * any lifetime shorter than this) gets its token treated as living this long: handed out for half
 * of it and refreshed after, so a provider makes at most one token request per half-floor however
 * many calls come, rather than one per call. A back end may reject such a token as expired; the
 * real fix is at the server.
 */
export const MIN_TOKEN_LIFETIME_MS = 2_000;

/** `expiresAt`, pushed out to the lifetime floor for a token that would live less. */
function scheduledExpiry(token: StoredToken): number {
  return Math.max(token.expiresAt, token.obtainedAt + MIN_TOKEN_LIFETIME_MS);
}

/**
 * The schedule of one token. docs/protocol.md ("What a protected back end checks"): back ends check `exp` with no leeway, so a token is
 * dropped `skew` before it; but neither the skew nor the refresh window may take more than half
 * of a short token's life, or a token of a few seconds would be refetched on every call.
 */
/** `exp − skew`, the skew capped at half the token's lifetime: when a token stops being handed out. */
export function usableUntil(token: StoredToken, skewMs: number): number {
  const expiresAt = scheduledExpiry(token);
  const lifetime = expiresAt - token.obtainedAt;
  return expiresAt - Math.min(skewMs, lifetime / 2);
}

export function refreshTiming(token: StoredToken, skewMs: number, windowMs: number | undefined, random: () => number = Math.random): RefreshTiming {
  const expiresAt = scheduledExpiry(token);
  const lifetime = expiresAt - token.obtainedAt;
  const half = lifetime / 2;
  const until = usableUntil(token, skewMs);
  const base = windowMs ?? Math.min(MAX_WINDOW_MS, Math.max(MIN_WINDOW_MS, lifetime * 0.2));
  // ±10% so that a fleet which fetched together does not refresh together.
  const jittered = base * (0.9 + random() * 0.2);
  const refreshAt = Math.min(expiresAt - Math.min(jittered, half), until);
  return { refreshAt, usableUntil: until };
}
