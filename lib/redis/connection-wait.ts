// A client still connecting (TCP, AUTH and the ready check; for a Cluster CLUSTER SLOTS and the
// node connections; for Sentinel the master lookup) is not a failing Redis. Commands wait for the
// connection within their own budget, apart from the per-command bound that protects a connected
// fleet from a stalled Redis. Without this, a process started with the fleet timed out its first
// read, skipped Redis, fetched by itself and dropped its write: N processes, N token requests.
import type { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';

/** What ioredis (`Redis`, `Cluster`) says about its connection; a client without `status` is taken as ready. */
interface ConnectingClient extends Partial<Pick<EventEmitter, 'on' | 'off'>> {
  status?: string;
  connect?: () => Promise<unknown>;
  /** A Cluster's node connections: ready only once each master's is. */
  nodes?: (role: 'master') => ConnectingClient[];
}

class StoreConnectTimeoutError extends Error {
  override name = 'StoreConnectTimeoutError';
  readonly code = 'ERR_MCA_STORE_CONNECT_TIMEOUT';
}

/** Statuses after which the client connects no more: waiting would only cost the budget. */
const ENDED = new Set(['end', 'close']);

const notReady = (client: ConnectingClient): boolean => typeof client.status === 'string' && client.status !== 'ready';

/**
 * Waits for the client's `ready` (for a Cluster, each master's connection too: ioredis opens them
 * lazily, on the first command), once per connection episode: the budget is granted to a client
 * that is connecting, and spent when that connection takes longer; then commands get only their
 * own bound until the client is ready again (a Redis that never comes costs a caller the budget
 * once, not at every probe).
 */
export class ConnectionWait {
  readonly #client: ConnectingClient;
  /** One watch per connection that is coming up, shared by every command waiting on it. */
  readonly #watches = new WeakMap<ConnectingClient, Promise<void>>();
  #spent = false;
  // Until Redis has answered one command of this connection, connecting is not over: on a starved
  // host (a fleet starting together, beside busy neighbours) the first answer after the ready
  // check can take longer than the per-command bound, and that is a slow start, not a stalled Redis.
  #answered: boolean;

  constructor(client: unknown) {
    this.#client = client as ConnectingClient;
    this.#answered = typeof this.#client.status !== 'string';
    // A client that became ready again (a reconnect after a restart) earns a fresh budget.
    this.#client.on?.('ready', () => {
      this.#spent = false;
      this.#answered = false;
    });
  }

  /** The bound of a command sent now: the connect budget until Redis answered one, then `timeoutMs`. */
  bound(timeoutMs: number, budgetMs: number): number {
    return this.#answered || this.#spent ? timeoutMs : Math.max(timeoutMs, budgetMs);
  }

  /** A command was answered: connecting is over. */
  answered(): void {
    this.#answered = true;
  }

  /** A command under the connect budget timed out: the budget of this connection is spent. */
  spend(): void {
    if (!this.#answered) this.#spent = true;
  }

  /** The first connection not ready yet: the client's, else a Cluster master's. */
  #pending(): ConnectingClient | undefined {
    if (notReady(this.#client)) return this.#client;
    if (typeof this.#client.nodes !== 'function') return undefined;
    try {
      return this.#client.nodes('master').find(notReady);
    } catch {
      return undefined;
    }
  }

  /** Whether commands sent now would wait in an offline queue. */
  get connecting(): boolean {
    return this.#pending() !== undefined;
  }

  /**
   * Resolves when the client is ready, at once if it is; rejects after `budgetMs`, when the client
   * reports a connection error or ends, or at once when this episode's budget is already spent.
   */
  async ready(budgetMs: number): Promise<void> {
    const until = performance.now() + budgetMs;
    for (let pending = this.#pending(); pending !== undefined; pending = this.#pending()) {
      if (this.#spent || ENDED.has(pending.status!)) throw this.#timeout(0);
      // lazyConnect: nothing connects until asked. A command would have asked; so does this.
      if (pending.status === 'wait') pending.connect?.().catch(() => undefined);
      let watch = this.#watches.get(pending);
      if (watch === undefined) {
        watch = this.#watch(pending).finally(() => this.#watches.delete(pending));
        this.#watches.set(pending, watch);
      }
      await this.#within(watch, until - performance.now(), budgetMs);
    }
  }

  #within(watch: Promise<void>, leftMs: number, budgetMs: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => {
          this.#spent = true;
          reject(this.#timeout(budgetMs));
        },
        Math.max(0, leftMs),
      );
      timer.unref();
      watch.then(
        () => (clearTimeout(timer), resolve()),
        (error: unknown) => (clearTimeout(timer), reject(error)),
      );
    });
  }

  #watch(client: ConnectingClient): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const done = (): void => {
        client.off?.('ready', onReady);
        client.off?.('error', onError);
        client.off?.('end', onEnd);
      };
      const onReady = (): void => (done(), resolve());
      // A refused port, a wrong password, a certificate: not worth waiting for (the error's hint
      // comes from the client's own report).
      const onError = (error: unknown): void => (done(), reject(error ?? new Error('connection failed')));
      const onEnd = (): void => (done(), reject(new Error('Connection is closed')));
      client.on?.('ready', onReady);
      client.on?.('error', onError);
      client.on?.('end', onEnd);
      if (!notReady(client)) onReady();
    });
  }

  #timeout(budgetMs: number): StoreConnectTimeoutError {
    return new StoreConnectTimeoutError(
      budgetMs > 0 ? `Redis was not connected within ${budgetMs} ms` : 'Redis is not connected (it did not connect within the connect budget)',
    );
  }
}
