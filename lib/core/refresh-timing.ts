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
 * The schedule of one token. docs/protocol.md ("What a protected back end checks"): back ends check `exp` with no leeway, so a token is
 * dropped `skew` before it; but neither the skew nor the refresh window may take more than half
 * of a short token's life, or a token of a few seconds would be refetched on every call.
 */
/** `exp − skew`, the skew capped at half the token's lifetime: when a token stops being handed out. */
export function usableUntil(token: StoredToken, skewMs: number): number {
  const lifetime = Math.max(0, token.expiresAt - token.obtainedAt);
  return token.expiresAt - Math.min(skewMs, lifetime / 2);
}

export function refreshTiming(
  token: StoredToken,
  skewMs: number,
  windowMs: number | undefined,
  random: () => number = Math.random,
): RefreshTiming {
  const lifetime = Math.max(0, token.expiresAt - token.obtainedAt);
  const half = lifetime / 2;
  const until = usableUntil(token, skewMs);
  const base = windowMs ?? Math.min(MAX_WINDOW_MS, Math.max(MIN_WINDOW_MS, lifetime * 0.2));
  // ±10% so that a fleet which fetched together does not refresh together.
  const jittered = base * (0.9 + random() * 0.2);
  const refreshAt = Math.min(token.expiresAt - Math.min(jittered, half), until);
  return { refreshAt, usableUntil: until };
}
