// How many recently replaced tokens are remembered: with `onBehalfOf`, one per user whose token a
// 401 replaced within `minIntervalMs`. Past it the oldest is forgotten, and that token's next 401
// may replace it once more: a bound on memory, never on safety (each replacement is one fetch).
const MAX_TRACKED = 1024;

/**
 * Rate-limits the replacement of a token after a 401. A back end that answers 401 to every call
 * (one that uses 401 for its own end-user login, say) would otherwise make each call drop a valid
 * token and fetch another: anonymous traffic could drive the identity provider into rate limiting.
 *
 * A token that a 401 replaced less than `minIntervalMs` ago is not dropped again: the 401 goes
 * back to the caller without a replay. Per token, so that users taking turns against such a back
 * end (each with a token of their own, `onBehalfOf`) are each held to the limit. Concurrent 401s
 * still make one fetch (the provider's single flight), and a 401 to an older token replays with
 * the current one. Only a 401 reaches this: a call answered otherwise costs nothing here.
 */
export class ReplacementLimiter {
  readonly #minIntervalMs: number;
  readonly #now: () => number;
  /** Token (the header that carries it) → when a 401 made it the replacement; oldest first. */
  readonly #replacedAt = new Map<string, number>();

  constructor(minIntervalMs: number, now: () => number) {
    this.#minIntervalMs = minIntervalMs;
    this.#now = now;
  }

  /** Whether a 401 to `header` may drop it and fetch another. */
  mayReplace(header: string): boolean {
    const at = this.#replacedAt.get(header);
    return at === undefined || this.#now() - at >= this.#minIntervalMs;
  }

  /** Records the token that replaced a dropped one. */
  replaced(header: string): void {
    const now = this.#now();
    const tracked = this.#replacedAt;
    // Entries are in the order they were recorded: those past the interval are at the front.
    for (const [old, at] of tracked) {
      if (now - at < this.#minIntervalMs) break;
      tracked.delete(old);
    }
    tracked.delete(header);
    tracked.set(header, now);
    if (tracked.size > MAX_TRACKED) tracked.delete(tracked.keys().next().value!);
  }
}
