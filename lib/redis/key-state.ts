// What the store keeps per configuration: its Redis names, its sealing key, and the generation
// that refuses rollbacks. Each value carries its generation sealed inside; Redis keeps a counter
// next to the token, and a value older than that counter is a rollback (a backup restored over a
// counter that moved on). The counter is Redis's own word: when Redis lost its data (FLUSHALL, a
// restart without persistence) it starts over, and that is maintenance, not an attack.
// Generations are times (epoch ms, or one more than the counter when that is ahead), so a counter
// far in the future cannot come from the fleet: it is refused and reported, never adopted.
import QuickLRU from 'quick-lru';
import { openPlainToken, openToken, plainToken, sealToken, type SealedPayload } from '../token/token-crypto';
import type { TokenStoreContext } from '../token/token-store';
import { keyNames, sealingKey, type KeyNames } from './fleet-key';

/** How far ahead of this process's clock a fleet member's generation may be (clocks differ). */
export const MAX_AHEAD_MS = 86_400_000;

/** What a counter read from Redis says. */
export type CounterReading = { valid: true; generation: number } | { valid: false };

/** Reads the counter: absent is 0; anything the fleet cannot have written is not valid. */
export function readCounter(counter: unknown, now: number): CounterReading {
  if (counter === null || counter === undefined) return { valid: true, generation: 0 };
  const text = String(counter);
  const generation = Number(text);
  if (!/^\d{1,16}$/.test(text) || !Number.isSafeInteger(generation) || generation > now + MAX_AHEAD_MS) return { valid: false };
  return { valid: true, generation };
}

export class KeyState {
  /** The counter Redis reported last (0 when it had none): the next write goes past it. */
  generation = 0;
  /** The holder of a lock this process waited out in vain: not waited for again. */
  stuckHolder?: string;
  /** A poisoned counter was reported; not again until Redis holds a valid one. */
  poisonReported = false;
  /** The same configuration under the other fleet keys of a rotation: read, never written. */
  others: KeyState[] = [];

  readonly names: KeyNames;
  // Private fields: a key derived from the client secret shows in no rendering of the store.
  readonly #sealKey: Buffer;
  readonly #encrypt: boolean;

  constructor(names: KeyNames, sealKey: Buffer, encrypt: boolean) {
    this.names = names;
    this.#sealKey = sealKey;
    this.#encrypt = encrypt;
  }

  /** The value to write for `payload`: sealed under the key's sealing key (or plain, with `encrypt: false`). */
  seal(payload: SealedPayload): string {
    return this.#encrypt ? sealToken(payload, this.#sealKey, this.names.token) : plainToken(payload);
  }

  /** The payload of a value read; undefined when it does not open (tampered, another key, moved from another name, an old format). */
  open(raw: string): SealedPayload | undefined {
    return this.#encrypt ? openToken(raw, this.#sealKey, this.names.token) : openPlainToken(raw);
  }

  /**
   * What a read of (value, counter) gives: the payload to use, or why not. A value older than the
   * counter is a rollback; a value without its counter (the write sets both; a FLUSHALL drops both)
   * was evicted alone or tampered with, and is refused as a miss that the next write repairs.
   */
  judge(raw: string | null, counter: string | null, now: number): { payload: SealedPayload } | { refused?: 'poisoned' | 'rollback' } {
    if (!this.saw(counter, now)) return { refused: 'poisoned' };
    if (raw === null) return {};
    // A value that does not open is a miss; the next write overwrites it.
    const payload = this.open(raw);
    if (payload === undefined || counter === null) return {};
    if (payload.generation < this.generation) return { refused: 'rollback' };
    return { payload };
  }

  /** The generation of this process's next write: past what Redis said, and not before now. */
  nextGeneration(now: number): number {
    return Math.max(this.generation + 1, Math.floor(now));
  }

  /**
   * Takes what Redis said of its counter. Answers false for a poisoned counter (not adopted): the
   * caller reports it. A valid one becomes the generation, lower than before if Redis lost data.
   */
  saw(counter: unknown, now: number): boolean {
    const reading = readCounter(counter, now);
    if (!reading.valid) return false;
    this.generation = reading.generation;
    this.poisonReported = false;
    return true;
  }
}

/** The state of each key, derived once (HMAC and HKDF) and kept for the most recent keys. */
export class KeyStates {
  readonly #states: QuickLRU<string, KeyState>;
  readonly #fleetKeys: Buffer[];
  readonly #prefix: string;
  readonly #encrypt: boolean;

  /** `fleetKeys`: the first seals and names what is written; the others are read too. */
  constructor(fleetKeys: Buffer[], prefix: string, encrypt: boolean, maxSize: number) {
    this.#fleetKeys = fleetKeys;
    this.#prefix = prefix;
    this.#encrypt = encrypt;
    this.#states = new QuickLRU({ maxSize });
  }

  get(key: string, context: TokenStoreContext): KeyState {
    let state = this.#states.get(key);
    if (state === undefined) {
      const [primary, ...others] = this.#fleetKeys.map(
        (fleetKey) => new KeyState(keyNames(fleetKey, this.#prefix, key), sealingKey(fleetKey, context.encryptionKey, key), this.#encrypt),
      );
      state = primary!;
      state.others = others;
      this.#states.set(key, state);
    }
    return state;
  }
}
