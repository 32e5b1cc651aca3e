// The fleet's single flight: one process fetches a token while the others wait for it, through a
// lock in Redis. The holder renews the lock while it fetches and releases it after; a waiter
// watches the lock's remaining TTL and gives up on a holder that shows no sign of life.
import { performance } from 'node:perf_hooks';
import { sleep } from '../token/backoff';
import type { BackgroundWork } from './background-work';
import type { RedisClientLike } from './redis-client';
import { ACQUIRE, RELEASE, RENEW, TAKEOVER } from './redis-scripts';

/** A command bounded by the store's timeout (see bounded-command.ts). */
export type Command = <T>(operation: string, run: () => Promise<T>) => Promise<T>;

export interface LockSettings {
  /** The lock's TTL; undefined: the token request's timeout + 5 s. */
  lockTtlMs: number | undefined;
  /** How long a waiter waits for a holder that shows no sign of life. */
  lockWaitMs: number;
  /** How often a waiter looks again (± 50% jitter). */
  pollMs: number;
}

export class FleetLock {
  readonly #client: RedisClientLike;
  readonly #command: Command;
  readonly #background: BackgroundWork;
  readonly #closing: AbortSignal;
  readonly #settings: LockSettings;

  constructor(client: RedisClientLike, command: Command, background: BackgroundWork, closing: AbortSignal, settings: LockSettings) {
    this.#client = client;
    this.#command = command;
    this.#background = background;
    this.#closing = closing;
    this.#settings = settings;
  }

  /** The lock's TTL for a token request bounded by `timeoutMs`. */
  ttl(timeoutMs: number | undefined): number {
    return this.#settings.lockTtlMs ?? (timeoutMs ?? 10_000) + 5_000;
  }

  /** A waiter's watch over the holders it meets, from `started` on. */
  watch(started: number, ttl: number, deadlineMs: number): HolderWatch {
    // A waiter gives up well before the lock would expire: a dead or squatting holder costs a bounded wait.
    return new HolderWatch(started, Math.min(this.#settings.lockWaitMs, ttl / 2), deadlineMs, this.#settings.pollMs);
  }

  /**
   * Takes the lock for `owner` if it is free. Answers whoever holds it now (`owner` when taken)
   * and its remaining TTL; undefined when Redis did not answer.
   */
  acquire(lock: string, owner: string, ttl: number): Promise<[holder: string, ttl: number] | undefined> {
    return this.#take(lock, owner, () => this.#client.eval(ACQUIRE, 1, lock, owner, ttl));
  }

  /**
   * Takes the lock over from `seen`, a holder given up on (silent too long, or no member of the
   * fleet), if it still holds it. Answers as {@link acquire}.
   */
  takeOver(lock: string, seen: string, owner: string, ttl: number): Promise<[holder: string, ttl: number] | undefined> {
    return this.#take(lock, owner, () => this.#client.eval(TAKEOVER, 1, lock, seen, owner, ttl));
  }

  async #take(lock: string, owner: string, run: () => Promise<unknown>): Promise<[holder: string, ttl: number] | undefined> {
    try {
      const [holder, holderTtl] = (await this.#command('lock', run)) as [string, number];
      return [holder, holderTtl];
    } catch {
      // A timed-out command may still run later (Redis wakes up, the client reconnects): queue
      // the release of this owner's lock right behind it, so no orphan blocks the fleet.
      this.#background.add(this.#client.eval(RELEASE, 1, lock, owner));
      return undefined;
    }
  }

  /** Runs `work` while holding the lock: renewed meanwhile, released after. */
  async hold<T>(lock: string, owner: string, ttl: number, work: () => Promise<T>): Promise<T> {
    // Renewed while the fetch runs (retries may outlast one TTL); a dead holder stops renewing.
    const renew = setInterval(
      () => {
        this.#background.add(this.#command('renew', () => this.#client.eval(RENEW, 1, lock, owner, ttl)));
        // Often enough that a waiter sees a sign of life well within its wait bound.
      },
      Math.max(50, Math.floor(Math.min(ttl / 3, this.#settings.lockWaitMs / 4))),
    );
    renew.unref();
    try {
      return await work();
    } finally {
      clearInterval(renew);
      this.release(lock, owner);
    }
  }

  /** Releases the lock in the background, if `owner` still holds it. */
  release(lock: string, owner: string): void {
    this.#background.add(this.#release(lock, owner));
  }

  /** Compare-and-delete of the lock, retried a few times: after a failover the lock may be on the new master. */
  async #release(lock: string, owner: string): Promise<void> {
    for (let attempt = 0; attempt < 4 && !this.#closing.aborted; attempt++) {
      try {
        await this.#command('unlock', () => this.#client.eval(RELEASE, 1, lock, owner));
        return;
      } catch {
        await sleep(250 * 2 ** attempt, this.#closing).catch(() => undefined);
      }
    }
  }
}

/**
 * Whether a waiter keeps waiting. The wait bound counts from the holder's last sign of life (taking
 * the lock, renewing it): a slow but live fetch is waited for, up to the deadline; a dead or
 * squatting holder is not.
 */
export class HolderWatch {
  readonly #started: number;
  readonly #waitBound: number;
  readonly #deadlineMs: number;
  readonly #pollMs: number;
  #lastSign: number;
  #seen: { holder: string; ttl: number } | undefined;

  constructor(started: number, waitBound: number, deadlineMs: number, pollMs: number) {
    this.#started = started;
    this.#waitBound = waitBound;
    this.#deadlineMs = deadlineMs;
    this.#pollMs = pollMs;
    this.#lastSign = started;
  }

  /** How long to wait before looking again for `holder`, whose lock has `ttl` left; undefined: give up. */
  next(holder: string, ttl: number): number | undefined {
    const now = performance.now();
    if (this.#seen === undefined || this.#seen.holder !== holder || ttl > this.#seen.ttl) this.#lastSign = now;
    this.#seen = { holder, ttl };
    const wait = this.#pollMs * (0.5 + Math.random());
    if (now - this.#lastSign + wait >= this.#waitBound || now - this.#started + wait >= this.#deadlineMs) return undefined;
    return wait;
  }
}
