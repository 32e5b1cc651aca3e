// Which fleet keys the fleet writes under, so that a split fleet is visible. Values are named and
// sealed per key: a process never sees what another one wrote under a key it does not hold; the
// two halves of a split fleet each fetch their own tokens and nothing fails. So each write also
// records the fingerprint of the key it was sealed with, and a fingerprint this process cannot
// open is reported once.
import type { Command } from './fleet-lock';
import type { RedisClientLike } from './redis-client';
import { fingerprint } from './fleet-key';

/** How long a fingerprint counts after its last write. */
export const REGISTRY_WINDOW_MS = 600_000;

/**
 * KEYS: the registry (a sorted set). ARGV: this writer's fingerprint, now, the oldest time kept,
 * the set's TTL. Answers the fingerprints written in the window (at most 16: a bounded answer
 * whatever anyone else adds).
 */
const RECORD = `redis.call('zadd', KEYS[1], ARGV[2], ARGV[1])
redis.call('zremrangebyscore', KEYS[1], '-inf', '(' .. ARGV[3])
redis.call('pexpire', KEYS[1], ARGV[4])
return redis.call('zrevrange', KEYS[1], 0, 15)`;

export class FleetRegistry {
  readonly #client: RedisClientLike;
  readonly #command: Command;
  readonly #name: string;
  readonly #own: string;
  readonly #known: Set<string>;
  readonly #reported = new Set<string>();
  readonly #report: (message: string) => void;

  constructor(client: RedisClientLike, command: Command, prefix: string, fleetKeys: Buffer[], report: (message: string) => void) {
    this.#client = client;
    this.#command = command;
    // Its own hash tag, as every key of the store has one.
    this.#name = `${prefix}{fleet}:keys`;
    this.#known = new Set(fleetKeys.map(fingerprint));
    this.#own = fingerprint(fleetKeys[0]!);
    this.#report = report;
  }

  /** After a write: records this process's sealing key, and reports keys of the fleet it does not hold. */
  async record(): Promise<void> {
    const now = Date.now();
    const seen = await this.#command<unknown>('register', () =>
      this.#client.eval(RECORD, 1, this.#name, this.#own, now, now - REGISTRY_WINDOW_MS, REGISTRY_WINDOW_MS * 2),
    );
    if (!Array.isArray(seen)) return;
    for (const other of seen) {
      if (typeof other !== 'string' || this.#known.has(other) || this.#reported.has(other)) continue;
      this.#reported.add(other);
      this.#report(
        `the fleet is split: a process wrote under a fleet key this one does not hold (fingerprint ${other.slice(0, 12)}; this one seals under ${this.#own}), so each part fetches its own tokens`,
      );
    }
  }
}
