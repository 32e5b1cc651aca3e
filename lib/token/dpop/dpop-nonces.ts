/** Origins whose nonce is remembered; when full, the memory starts over (a nonce is only a hint). */
const MAX_ORIGINS = 256;
/** A longer value is no nonce a proof should carry. */
const MAX_NONCE = 1024;
// RFC 9449 §8.1: `nonce = 1*NQCHAR`.
const NQCHAR = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

/**
 * The last `DPoP-Nonce` each server (by origin) sent: a token endpoint or a resource server may
 * require its nonce in every proof and change it at any answer, so every answer that carries one
 * refreshes it.
 */
export class DpopNonces {
  readonly #byOrigin = new Map<string, string>();

  get(url: string): string | undefined {
    return this.#byOrigin.size === 0 ? undefined : this.#byOrigin.get(new URL(url).origin);
  }

  /** Remembers `value` for `url`'s server; returns whether it is a new, usable nonce. */
  remember(url: string, value: unknown): boolean {
    if (typeof value !== 'string' || value.length > MAX_NONCE || !NQCHAR.test(value)) return false;
    const origin = new URL(url).origin;
    if (this.#byOrigin.get(origin) === value) return false;
    if (this.#byOrigin.size >= MAX_ORIGINS) this.#byOrigin.clear();
    this.#byOrigin.set(origin, value);
    return true;
  }
}
