/**
 * Rate-limits the replacement of a token after a 401. A back end that answers 401 to every call
 * (one that uses 401 for its own end-user login, say) would otherwise make each call drop a valid
 * token and fetch another: anonymous traffic could drive the identity provider into rate limiting.
 *
 * A token that a 401 replaced less than `minIntervalMs` ago is not dropped again: the 401 goes
 * back to the caller without a replay. Concurrent 401s still make one fetch (the provider's
 * single flight), and a 401 to an older token replays with the current one.
 */
export class ReplacementLimiter {
  readonly #minIntervalMs: number;
  readonly #now: () => number;
  #last: { header: string; at: number } | undefined;

  constructor(minIntervalMs: number, now: () => number) {
    this.#minIntervalMs = minIntervalMs;
    this.#now = now;
  }

  /** Whether a 401 to `header` may drop it and fetch another. */
  mayReplace(header: string): boolean {
    const last = this.#last;
    return last === undefined || last.header !== header || this.#now() - last.at >= this.#minIntervalMs;
  }

  /** Records the token that replaced a dropped one. */
  replaced(header: string): void {
    this.#last = { header, at: this.#now() };
  }
}
