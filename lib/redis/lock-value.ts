// What a fleet member writes as the lock's value: a fresh nonce, when it was taken, and a MAC of
// both under the fleet key. Anyone who can write Redis can see the lock's name (SCAN) and set it,
// but not write a value a member accepts: a waiter takes such a lock over at once instead of
// waiting on a squatter that keeps it alive.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** How much older than a fetch can run a member's lock value may be (clocks of the fleet differ). */
const CLOCK_SKEW_MS = 30_000;

export class LockValues {
  readonly #keys: Buffer[];

  /** `fleetKeys`: the first signs; each of them verifies. */
  constructor(fleetKeys: Buffer[]) {
    this.#keys = fleetKeys.map((key) => createHmac('sha256', key).update('express-mca-oauth lock v1').digest());
  }

  /** A new value for the lock `name`, signed under the first key. */
  mint(name: string, now: number): string {
    const body = `${randomBytes(16).toString('base64url')}.${now.toString(36)}`;
    return `${body}.${this.#mac(this.#keys[0]!, name, body).toString('base64url')}`;
  }

  /**
   * Whether `value` was written by a member of the fleet for `name`, less than `maxAgeMs` ago (a
   * member holds the lock no longer than its fetch runs, so an older value is one replayed).
   */
  isMember(name: string, value: string, now: number, maxAgeMs: number): boolean {
    const parts = value.split('.');
    if (parts.length !== 3) return false;
    const [nonce, issued, mac] = parts as [string, string, string];
    const issuedAt = parseInt(issued, 36);
    if (!Number.isSafeInteger(issuedAt) || Math.abs(now - issuedAt) > maxAgeMs + CLOCK_SKEW_MS) return false;
    const given = Buffer.from(mac, 'base64url');
    return this.#keys.some((key) => {
      const expected = this.#mac(key, name, `${nonce}.${issued}`);
      return given.length === expected.length && timingSafeEqual(given, expected);
    });
  }

  #mac(key: Buffer, name: string, body: string): Buffer {
    return createHmac('sha256', key).update(`${name}\0${body}`).digest().subarray(0, 16);
  }
}
