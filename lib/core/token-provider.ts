import { McaOAuthError } from '../errors/mca-oauth-error';
import { PROVIDER_OPTION_KEYS, checkOptionKeys } from '../config/known-options';
import { resolveProviderConfig, type ProviderConfig } from '../config/resolve-config';
import type { TokenProviderOptions } from '../options';
import { createTokenEndpoint, type TokenEndpoint } from './token-endpoint';
import { MemoryTokenStore, type StoredToken, type TokenStore } from './token-store';

/** Counters of one provider since it was created. */
export interface ProviderStats {
  /** Calls answered from the cache. */
  hits: number;
  /** Calls that found no usable token and waited for one. */
  misses: number;
  /** Token requests sent (one per single flight, however many callers waited on it). */
  fetches: number;
  /** Token requests that failed. */
  failures: number;
  /** Token requests under way now: 0 or 1. */
  inflight: number;
  /** Tokens held by the store, when it can tell. */
  size: number;
}

/** The framework-free core: fetches, caches and refreshes the token of one configuration. */
export interface TokenProvider {
  /** Resolves to `"Bearer <access_token>"`, from the cache when a usable token is there. */
  getAuthorizationHeader(): Promise<string>;
  /**
   * Drops the cached token so the next call fetches a new one. With a header, drops it only if it
   * is still the cached one (a newer token is kept). Returns whether a token was dropped.
   */
  invalidate(header?: string): boolean;
  stats(): ProviderStats;
  /** Stops the provider: waits for a token request under way, then frees sockets and the store it owns. */
  close(): Promise<void>;
  /** The token endpoint this provider posts to. */
  readonly tokenUrl: string;
  /** The store key of its token (endpoint, client, hashed secret, scope, audience). */
  readonly cacheKey: string;
  /** True once `close()` was called. */
  readonly closed: boolean;
}

function isThenable<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | undefined)?.then === 'function';
}

/** @internal Shared by the module-level registry, which hands all its providers one store. */
export interface ProviderWiring {
  store: TokenStore;
  ownsStore: boolean;
}

export class DefaultTokenProvider implements TokenProvider {
  readonly #config: ProviderConfig;
  readonly #endpoint: TokenEndpoint;
  readonly #store: TokenStore;
  readonly #ownsStore: boolean;
  // The last token seen and what derives from it, so a hit compares one reference and one number
  // and returns a promise that already exists.
  #token: StoredToken | undefined;
  #header: Promise<string> = Promise.resolve('');
  #headerText = '';
  #usableUntil = 0;
  #inflight: Promise<string> | undefined;
  #hits = 0;
  #misses = 0;
  #fetches = 0;
  #failures = 0;
  #closed = false;

  constructor(config: ProviderConfig, wiring?: ProviderWiring) {
    this.#config = config;
    this.#endpoint = createTokenEndpoint(config);
    this.#store = wiring?.store ?? config.store ?? new MemoryTokenStore({ maxSize: config.cacheSize });
    this.#ownsStore = wiring ? wiring.ownsStore : config.store === undefined;
  }

  get tokenUrl(): string {
    return this.#config.tokenUrl;
  }

  get cacheKey(): string {
    return this.#config.cacheKey;
  }

  get closed(): boolean {
    return this.#closed;
  }

  getAuthorizationHeader(): Promise<string> {
    if (this.#closed) return Promise.reject(closedError());
    const cached = this.#store.get(this.#config.cacheKey);
    if (isThenable(cached)) return cached.then((token) => this.#answer(token));
    return this.#answer(cached);
  }

  #answer(token: StoredToken | undefined): Promise<string> {
    if (token !== undefined) {
      if (token !== this.#token) this.#remember(token);
      if (this.#config.now() < this.#usableUntil) {
        this.#hits++;
        return this.#header;
      }
    }
    this.#misses++;
    return this.#inflight ?? this.#fetch();
  }

  #remember(token: StoredToken): void {
    this.#token = token;
    this.#headerText = `Bearer ${token.accessToken}`;
    this.#header = Promise.resolve(this.#headerText);
    // PROTOCOL.md: back ends check `exp` with no leeway, so stop using a token `skew` before it;
    // but never spend more than half a short token's life on that margin.
    const lifetime = token.expiresAt - token.obtainedAt;
    this.#usableUntil = token.expiresAt - Math.min(this.#config.refreshSkewMs, lifetime / 2);
  }

  #fetch(): Promise<string> {
    this.#fetches++;
    const startedAt = this.#config.now();
    const flight = (async () => {
      try {
        const grant = await this.#endpoint.requestToken();
        // Counted from before the request: the server's clock started when it answered, ours earlier.
        const token: StoredToken = { accessToken: grant.accessToken, obtainedAt: startedAt, expiresAt: startedAt + grant.lifetimeMs };
        this.#remember(token);
        await this.#store.set(this.#config.cacheKey, token);
        return this.#headerText;
      } catch (error) {
        this.#failures++;
        throw error;
      } finally {
        this.#inflight = undefined;
      }
    })();
    this.#inflight = flight;
    return flight;
  }

  invalidate(header?: string): boolean {
    if (this.#token === undefined) return false;
    if (header !== undefined && header !== this.#headerText) return false;
    this.#token = undefined;
    this.#usableUntil = 0;
    void this.#store.delete(this.#config.cacheKey);
    return true;
  }

  stats(): ProviderStats {
    return {
      hits: this.#hits,
      misses: this.#misses,
      fetches: this.#fetches,
      failures: this.#failures,
      inflight: this.#inflight ? 1 : 0,
      size: this.#store.size ?? (this.#token ? 1 : 0),
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#inflight?.catch(() => undefined);
    this.#endpoint.close();
    if (this.#ownsStore) await this.#store.close?.();
  }
}

function closedError(): McaOAuthError {
  return new McaOAuthError('ERR_MCA_CLOSED', 'The token provider was closed. Create a new one (or a new middleware).');
}

/**
 * Creates the framework-free provider. All configuration is resolved and validated here, once;
 * a bad configuration throws {@link McaConfigError}.
 */
export function createTokenProvider(options?: TokenProviderOptions): TokenProvider {
  const checked = checkOptionKeys(options, PROVIDER_OPTION_KEYS, 'createTokenProvider');
  return new DefaultTokenProvider(resolveProviderConfig(checked));
}
