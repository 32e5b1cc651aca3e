import { EventEmitter } from 'node:events';
import { McaOAuthError } from '../errors/mca-oauth-error';
import { McaTokenError } from '../errors/mca-token-error';
import type { TokenProviderConfig } from './provider-config';
import { fullJitterDelay } from './backoff';
import { fetchWithRetry } from './fetch-with-retry';
import type { InvalidatedEvent, ProviderStats, TokenEvent, TokenProvider } from './token-provider-api';
import { refreshTiming } from './refresh-timing';

export type { InvalidatedEvent, ProviderStats, TokenEvent, TokenProvider, TokenProviderEvents } from './token-provider-api';
import { createTokenEndpoint, type TokenEndpoint } from './token-endpoint';
import { MemoryTokenStore, type StoredToken, type TokenStore, type TokenStoreContext } from './token-store';
import { deriveTokenKey } from './token-crypto';
import { attachDebugLog } from './debug-log';
import { registerMetrics } from './metrics';

function isThenable<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | undefined)?.then === 'function';
}

function closedError(): McaOAuthError {
  return new McaOAuthError('ERR_MCA_CLOSED', 'The token provider was closed. Create a new one (or a new middleware).');
}

/** Shared by the module-level registry, which hands all its providers one store. */
export interface ProviderWiring {
  store: TokenStore;
  ownsStore: boolean;
  /** The `protectedBackends` entry this provider serves (its name), for events and debug lines. */
  backend?: string;
}

export class DefaultTokenProvider extends EventEmitter implements TokenProvider {
  readonly #config: TokenProviderConfig;
  readonly #endpoint: TokenEndpoint;
  readonly #store: TokenStore;
  readonly #ownsStore: boolean;
  readonly #abort = new AbortController();
  readonly #context: TokenStoreContext;
  readonly #retireMetrics: () => void;
  readonly #backend: string | undefined;
  readonly #forwardStoreError = (error: Error): void => void this.emit('store-error', error);
  // The last token seen and what derives from it, so a hit compares one reference and two numbers
  // and returns a promise that already exists.
  #token: StoredToken | undefined;
  // Expiry of the last token held, even once invalidated: a shared store must hand over only a newer one.
  #lastExpiresAt: number | undefined;
  #headerText = '';
  #header: Promise<string> = Promise.resolve('');
  #refreshAt = 0;
  #usableUntil = 0;
  #inflight: Promise<string> | undefined;
  // Negative cache: one error per provider, never a credential.
  #cooldown: { error: unknown; until: number } | undefined;
  #backgroundFailures = 0;
  #nextBackgroundAt = 0;
  #hits = 0;
  #misses = 0;
  #fetches = 0;
  #fromStore = 0;
  #failures = 0;
  #closed = false;

  constructor(config: TokenProviderConfig, wiring?: ProviderWiring) {
    super();
    this.#config = config;
    this.#endpoint = createTokenEndpoint(config);
    // The edge (lib/create-token-provider.ts) picks the store; the core only falls back to memory.
    this.#store = wiring?.store ?? config.store ?? new MemoryTokenStore({ maxSize: config.cacheSize });
    this.#ownsStore = wiring ? wiring.ownsStore : config.store === undefined;
    this.#backend = wiring?.backend;
    this.#context = {
      encryptionKey: deriveTokenKey(config.auth.storeKeyMaterial(), config.cacheKey),
      refreshSkewMs: config.refreshSkewMs,
      deadlineMs: config.deadlineMs,
      timeoutMs: config.timeoutMs,
      now: config.now,
    };
    const emitter = this.#store as Partial<Pick<EventEmitter, 'on' | 'off'>>;
    if (typeof emitter.on === 'function') emitter.on.call(this.#store, 'store-error', this.#forwardStoreError);
    const host = new URL(config.tokenUrl).host;
    attachDebugLog(this, this.#backend === undefined ? host : `${host} [${this.#backend}]`);
    this.#retireMetrics = registerMetrics(this);
  }

  get tokenUrl(): string {
    return this.#config.tokenUrl;
  }

  get backend(): string | undefined {
    return this.#backend;
  }

  get cacheKey(): string {
    return this.#config.cacheKey;
  }

  get closed(): boolean {
    return this.#closed;
  }

  getAuthorizationHeader(): Promise<string> {
    if (this.#closed) return Promise.reject(closedError());
    const cached = this.#store.get(this.#config.cacheKey, this.#context);
    if (isThenable(cached)) return cached.then((token) => this.#answer(token));
    return this.#answer(cached);
  }

  #answer(token: StoredToken | undefined): Promise<string> {
    if (token !== undefined) {
      if (token !== this.#token) {
        // Not the token this provider fetched or was handed: another process's, from a shared store.
        this.#fromStore++;
        this.#remember(token);
      }
      const now = this.#config.now();
      if (now < this.#refreshAt) {
        this.#hits++;
        return this.#header;
      }
      if (now < this.#usableUntil) {
        this.#hits++;
        this.#refreshInBackground(now);
        return this.#header;
      }
    }
    this.#misses++;
    if (this.#inflight) return this.#inflight;
    const cooldown = this.#cooldown;
    if (cooldown !== undefined && this.#config.now() < cooldown.until) {
      return this.#stillValid() ? this.#header : Promise.reject(cooldown.error);
    }
    return this.#fetch(false);
  }

  /**
   * Whether the token in hand is within its real `exp`, though past `exp − skew`. When a fetch has
   * failed, such a token is still a better answer than an error: the worst a back end can do with
   * it is the 401 the error would have been anyway.
   */
  #stillValid(): boolean {
    return this.#token !== undefined && this.#config.now() < this.#token.expiresAt;
  }

  #remember(token: StoredToken): void {
    this.#token = token;
    this.#lastExpiresAt = token.expiresAt;
    // A DPoP-bound token goes out as `DPoP <token>`, each request with a proof (lib/outbound).
    this.#headerText = `${this.#config.dpop === undefined ? 'Bearer' : 'DPoP'} ${token.accessToken}`;
    this.#header = Promise.resolve(this.#headerText);
    const timing = refreshTiming(token, this.#config.refreshSkewMs, this.#config.refreshWindowMs);
    this.#refreshAt = timing.refreshAt;
    this.#usableUntil = timing.usableUntil;
  }

  #refreshInBackground(now: number): void {
    if (this.#inflight !== undefined || now < this.#nextBackgroundAt) return;
    // Its failure is reported through events; callers keep the current token meanwhile.
    this.#fetch(true).catch(() => undefined);
  }

  #fetch(background: boolean): Promise<string> {
    const startedMono = performance.now();
    const flight = (async () => {
      try {
        const { token, attempts, source } = await this.#obtain(background);
        if (source === 'store') this.#fromStore++;
        if (this.#closed) throw closedError();
        this.#remember(token);
        this.#cooldown = undefined;
        this.#backgroundFailures = 0;
        this.#nextBackgroundAt = 0;
        this.emit('token', {
          expiresAt: token.expiresAt,
          lifetimeMs: token.expiresAt - token.obtainedAt,
          attempts,
          durationMs: Math.round(performance.now() - startedMono),
          background,
          source,
          ...(this.#backend === undefined ? {} : { backend: this.#backend }),
        } satisfies TokenEvent);
        return this.#headerText;
      } catch (error) {
        if (this.#closed) throw closedError();
        this.#failures++;
        this.#recordFailure(error, background);
        if (this.#stillValid()) return this.#headerText;
        throw error;
      } finally {
        this.#inflight = undefined;
      }
    })();
    this.#inflight = flight;
    return flight;
  }

  /** A token from the endpoint, or, with a shared store, from whichever process of the fleet fetched it. */
  async #obtain(background: boolean): Promise<{ token: StoredToken; attempts: number; source: 'endpoint' | 'store' }> {
    const key = this.#config.cacheKey;
    let attempts = 0;
    const request = async (): Promise<StoredToken> => {
      // Counted here: only a flight that asks the endpoint is a token request.
      this.#fetches++;
      // Counted from before the request: the server's clock started when it answered, ours earlier.
      const startedAt = this.#config.now();
      // Callers wait on a foreground fetch: its retry waits hold the process, as its sockets do.
      const result = await fetchWithRetry(
        this.#endpoint,
        this.#config,
        this.#abort.signal,
        (event) => this.emit('retry', this.#backend === undefined ? event : { ...event, backend: this.#backend }),
        !background,
      );
      attempts = result.attempts;
      return { accessToken: result.grant.accessToken, obtainedAt: startedAt, expiresAt: startedAt + result.grant.lifetimeMs };
    };
    if (this.#store.fetchOnce) {
      const shared = await this.#store.fetchOnce(key, this.#context, request, {
        newerThan: this.#lastExpiresAt,
        signal: this.#abort.signal,
        background,
      });
      return { token: shared.token, attempts, source: shared.fetched ? 'endpoint' : 'store' };
    }
    const token = await request();
    await this.#store.set(key, token, this.#context);
    return { token, attempts, source: 'endpoint' };
  }

  #recordFailure(error: unknown, background: boolean): void {
    const now = this.#config.now();
    const retryAfter = error instanceof McaTokenError ? error.retryAfterMs : undefined;
    const until = now + Math.min(this.#config.failureCooldownMs, retryAfter ?? Number.POSITIVE_INFINITY);
    this.#cooldown = { error, until };
    if (background) {
      // Keep trying while the old token lasts, further apart each time, at most retryMaxMs apart.
      this.#backgroundFailures++;
      const backoff = fullJitterDelay(this.#backgroundFailures, this.#config.retryBaseMs, this.#config.retryMaxMs);
      this.#nextBackgroundAt = Math.max(until, now + backoff);
      this.emit('refresh-failed', error);
    }
    if (this.listenerCount('error') > 0) this.emit('error', error);
  }

  invalidate(header?: string, reason = 'manual'): boolean {
    if (this.#token === undefined) return false;
    if (header !== undefined && header !== this.#headerText) return false;
    const dropped = this.#token;
    this.#token = undefined;
    this.#refreshAt = 0;
    this.#usableUntil = 0;
    void Promise.resolve(this.#store.delete(this.#config.cacheKey, this.#context, dropped)).catch(() => undefined);
    this.emit('invalidated', (this.#backend === undefined ? { reason } : { reason, backend: this.#backend }) satisfies InvalidatedEvent);
    return true;
  }

  stats(): ProviderStats {
    return {
      hits: this.#hits,
      misses: this.#misses,
      fetches: this.#fetches,
      fromStore: this.#fromStore,
      failures: this.#failures,
      inflight: this.#inflight ? 1 : 0,
      // This provider's own: a store shared by several providers (a middleware's back ends, the
      // drop-in's configurations) would count every one of them under each name.
      size: this.#token !== undefined && this.#config.now() < this.#token.expiresAt ? 1 : 0,
      ...(this.#store.health ? { store: this.#store.health() } : {}),
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#abort.abort(closedError());
    await this.#inflight?.catch(() => undefined);
    this.#endpoint.close();
    this.#retireMetrics();
    const emitter = this.#store as Partial<Pick<EventEmitter, 'on' | 'off'>>;
    if (typeof emitter.off === 'function') emitter.off.call(this.#store, 'store-error', this.#forwardStoreError);
    if (this.#ownsStore) await this.#store.close?.();
  }
}
