// A client still connecting (TCP, AUTH and the ready check; for a Cluster CLUSTER SLOTS and the
// node connections; for Sentinel the master lookup) is not a failing Redis. Commands wait for the
// connection within their own budget, apart from the per-command bound that protects a connected
// fleet from a stalled Redis. Without this, a process started with the fleet timed out its first
// read, skipped Redis, fetched by itself and dropped its write: N processes, N token requests.
import type { EventEmitter } from 'node:events';

/** What ioredis (`Redis`, `Cluster`) says about its connection; a client without `status` is taken as ready. */
interface ConnectingClient {
  status?: string;
  connect?: () => Promise<unknown>;
}

class StoreConnectTimeoutError extends Error {
  override name = 'StoreConnectTimeoutError';
  readonly code = 'ERR_MCA_STORE_CONNECT_TIMEOUT';
}

/** Statuses after which the client connects no more: waiting would only cost the budget. */
const ENDED = new Set(['end', 'close']);

/**
 * Waits for the client's `ready`, once per connection episode: the budget is granted to a client
 * that is connecting, and spent when that connection takes longer; then commands get only their
 * own bound until the client is ready again (a Redis that never comes costs a caller the budget
 * once, not at every probe).
 */
export class ConnectionWait {
  readonly #client: ConnectingClient & Partial<Pick<EventEmitter, 'on' | 'off'>>;
  #episode: Promise<void> | undefined;
  #spent = false;

  constructor(client: unknown) {
    this.#client = client as ConnectingClient & Partial<Pick<EventEmitter, 'on' | 'off'>>;
    // A client that became ready again (a reconnect after a restart) earns a fresh budget.
    this.#client.on?.('ready', () => {
      this.#spent = false;
    });
  }

  /** Whether commands sent now would wait in the client's offline queue. */
  get connecting(): boolean {
    const status = this.#client.status;
    return typeof status === 'string' && status !== 'ready';
  }

  /**
   * Resolves when the client is ready, at once if it is; rejects after `budgetMs`, when the client
   * reports a connection error or ends, or at once when this episode's budget is already spent.
   */
  ready(budgetMs: number): Promise<void> {
    if (!this.connecting) return Promise.resolve();
    if (this.#spent || ENDED.has(this.#client.status!)) return Promise.reject(this.#timeout(0));
    if (this.#client.status === 'wait') {
      // lazyConnect: nothing connects until asked. A command would have asked; so does this.
      this.#client.connect?.().catch(() => undefined);
    }
    this.#episode ??= this.#watch().finally(() => {
      this.#episode = undefined;
    });
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#spent = true;
        reject(this.#timeout(budgetMs));
      }, budgetMs);
      timer.unref();
      this.#episode!.then(
        () => (clearTimeout(timer), resolve()),
        (error: unknown) => (clearTimeout(timer), reject(error)),
      );
    });
  }

  /** One watch per episode, shared by every command that waits on it. */
  #watch(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const client = this.#client;
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
      if (!this.connecting) onReady();
    });
  }

  #timeout(budgetMs: number): StoreConnectTimeoutError {
    return new StoreConnectTimeoutError(
      budgetMs > 0 ? `Redis was not connected within ${budgetMs} ms` : 'Redis is not connected (it did not connect within the connect budget)',
    );
  }
}
