// What the store keeps per configuration: its Redis names, its sealing key, and the generation
// that refuses rollbacks. Each value carries its generation sealed inside; Redis keeps a counter
// next to the token; a process never accepts a value older than the newest generation it has seen
// (in a value or in the counter).
import QuickLRU from 'quick-lru';
import { openPlainToken, openToken, plainToken, sealToken, type SealedPayload } from '../core/token-crypto';
import type { TokenStoreContext } from '../core/token-store';
import { keyNames, sealingKey, type KeyNames } from './fleet-key';

export class KeyState {
  /** Newest write generation this process has seen for the key: anything older is a rollback. */
  generation = 0;
  /** The holder of a lock this process waited out in vain: not waited for again. */
  stuckHolder?: string;

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

  /** A generation Redis reported (the counter, or a write that landed): never go back below it. */
  saw(generation: unknown): void {
    this.generation = Math.max(this.generation, Number(generation ?? 0) || 0);
  }

  /** Whether a value read may be used: not older than the newest generation seen, which it then becomes. */
  accept(payload: SealedPayload): boolean {
    if (payload.generation < this.generation) return false;
    this.generation = payload.generation;
    return true;
  }
}

/** The state of each key, derived once (HMAC and HKDF) and kept for the most recent keys. */
export class KeyStates {
  readonly #states: QuickLRU<string, KeyState>;
  readonly #fleetKey: Buffer;
  readonly #prefix: string;
  readonly #encrypt: boolean;

  constructor(fleetKey: Buffer, prefix: string, encrypt: boolean, maxSize: number) {
    this.#fleetKey = fleetKey;
    this.#prefix = prefix;
    this.#encrypt = encrypt;
    this.#states = new QuickLRU({ maxSize });
  }

  get(key: string, context: TokenStoreContext): KeyState {
    let state = this.#states.get(key);
    if (state === undefined) {
      state = new KeyState(keyNames(this.#fleetKey, this.#prefix, key), sealingKey(this.#fleetKey, context.encryptionKey, key), this.#encrypt);
      this.#states.set(key, state);
    }
    return state;
  }
}
