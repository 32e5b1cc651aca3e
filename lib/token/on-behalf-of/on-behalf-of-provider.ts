import { EventEmitter } from 'node:events';
import QuickLRU from 'quick-lru';
import type { TokenProviderConfig } from '../provider-config';
import { McaOAuthError } from '../../errors/mca-oauth-error';
import { McaTokenError } from '../../errors/mca-token-error';
import { echoUrl } from '../../errors/echo';
import { attachDebugLog } from '../debug-log';
import { fetchWithRetry } from '../fetch-with-retry';
import { registerMetrics } from '../metrics';
import { createTokenEndpoint, type TokenEndpoint } from '../token-endpoint';
import type { ProviderStats, TokenEvent, TokenProvider } from '../token-provider-api';
import { exchangeError, noSubjectError } from './exchange-errors';
import { exchangeGrant, type OnBehalfOfGrant } from './exchange-grant';
import { issuedTokenTypeError } from './issued-token-type';
import type { SubjectReading, SubjectToken } from './subject-token';
import { NO_REQUEST } from './served-request';

/** How an on-behalf-of provider finds its user and bounds its memory. */
export interface OnBehalfOfWiring {
  grant: OnBehalfOfGrant;
  /** Exchanged tokens (and refusals) kept, one per user; least recently used evicted first. */
  cacheSize: number;
  /** The `protectedBackends` entry (its name), for events, debug lines and messages. */
  backend?: string;
}

type Entry = { kind: 'token'; header: Promise<string>; headerText: string; usableUntil: number } | { kind: 'refused'; error: unknown; until: number };

function closedError(): McaOAuthError {
  return new McaOAuthError('ERR_MCA_CLOSED', 'The token provider was closed. Create a new one (or a new middleware).');
}

/**
 * The token of one back end on behalf of whichever end user the current request serves: the
 * user's bearer token (the subject) exchanged at the entry's token endpoint, with the entry's client
 * authentication (RFC 8693, or Entra's on-behalf-of). A {@link TokenProvider} like the app's own,
 * so the outbound policy, both transports and `req.mcaAuth(name)` use it unchanged; only what
 * "the token" means differs, per call.
 *
 * Cached per user: the key is the subject's keyed fingerprint (never the token), in an LRU of
 * `cacheSize`, each token kept no longer than its own lifetime nor the subject's `exp`, never in
 * a shared store (another process has no business holding a user's delegated token). One exchange
 * per user at a time; a refusal is remembered for `failureCooldownMs`, so one bad token cannot
 * make every call a token request.
 */
export class OnBehalfOfProvider extends EventEmitter implements TokenProvider {
  readonly #config: TokenProviderConfig;
  readonly #endpoint: TokenEndpoint;
  readonly #grant: OnBehalfOfGrant;
  readonly #cache: QuickLRU<string, Entry>;
  readonly #inflight = new Map<string, Promise<string>>();
  readonly #maxInflight: number;
  // One controller per exchange under way, aborted by close(): each token request listens on its
  // own. A signal shared by every exchange would collect a listener per user waiting (Node warns
  // past ten, MaxListenersExceededWarning); this set is bounded by the exchanges under way.
  readonly #aborts = new Set<AbortController>();
  readonly #backend: string | undefined;
  readonly #label: string;
  readonly #cacheKey: string;
  readonly #retireMetrics: () => void;
  #hits = 0;
  #misses = 0;
  #fetches = 0;
  #failures = 0;
  #closed = false;

  constructor(config: TokenProviderConfig, wiring: OnBehalfOfWiring) {
    super();
    this.#config = config;
    this.#endpoint = createTokenEndpoint(config);
    this.#grant = wiring.grant;
    this.#cache = new QuickLRU({ maxSize: wiring.cacheSize });
    // Exchanges under way are bounded too: distinct users beyond this wait for nobody, they fail.
    this.#maxInflight = wiring.cacheSize;
    this.#backend = wiring.backend;
    this.#label = echoUrl(config.tokenUrl) ?? 'the configured URL';
    this.#cacheKey = `${config.cacheKey}:on-behalf-of:${wiring.grant}`;
    const host = new URL(config.tokenUrl).host;
    attachDebugLog(this, `${host} [${this.#backend ?? 'default'}, on behalf of the user]`);
    this.#retireMetrics = registerMetrics(this);
  }

  get tokenUrl(): string {
    return this.#config.tokenUrl;
  }

  get backend(): string | undefined {
    return this.#backend;
  }

  get cacheKey(): string {
    return this.#cacheKey;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Serves no user: a call through the provider itself (`auth.backends.get(name)`) is made for no
   * request, and fails closed with `ERR_MCA_NO_SUBJECT_TOKEN`. Calls for a request go through
   * {@link headerFor}, with the user that request's fields carry.
   */
  getAuthorizationHeader(): Promise<string> {
    return this.headerFor(NO_REQUEST);
  }

  /** The header on behalf of the user `reading` names: cached, or exchanged now. */
  headerFor(reading: SubjectReading): Promise<string> {
    if (this.#closed) return Promise.reject(closedError());
    if (reading.kind !== 'token') {
      this.#misses++;
      return Promise.reject(noSubjectError(reading.kind, this.#backend));
    }
    const key = reading.token.fingerprint;
    const entry = this.#cache.get(key);
    if (entry !== undefined) {
      const now = this.#config.now();
      if (entry.kind === 'token' && now < entry.usableUntil) {
        this.#hits++;
        return entry.header;
      }
      if (entry.kind === 'refused' && now < entry.until) {
        this.#misses++;
        return Promise.reject(entry.error);
      }
      this.#cache.delete(key);
    }
    this.#misses++;
    return this.#inflight.get(key) ?? this.#exchange(key, reading.token);
  }

  #exchange(key: string, subject: SubjectToken): Promise<string> {
    if (this.#inflight.size >= this.#maxInflight) {
      return Promise.reject(
        new McaTokenError(
          'ERR_MCA_TOKEN_REQUEST_FAILED',
          `More than ${this.#maxInflight} token exchanges at ${this.#label} are under way; this one was not started. Raise \`onBehalfOfCacheSize\` if that many distinct users are served at once.`,
        ),
      );
    }
    this.#fetches++;
    const config = this.#config;
    const startedMono = performance.now();
    // Counted from before the request, as for the app's own token.
    const startedAt = config.now();
    const grant = exchangeGrant(this.#grant, subject);
    const endpoint = this.#endpoint;
    const once = { requestToken: (signal: AbortSignal, timeoutMs: number) => endpoint.requestToken(signal, timeoutMs, grant), close: () => undefined };
    const abort = new AbortController();
    this.#aborts.add(abort);
    const flight = (async () => {
      try {
        const { grant: issued, attempts } = await fetchWithRetry(
          once,
          config,
          abort.signal,
          (event) => this.emit('retry', this.#backend === undefined ? event : { ...event, backend: this.#backend }),
          true,
        );
        if (this.#closed) throw closedError();
        const unusable = issuedTokenTypeError(this.#grant, issued.issuedTokenType, this.#label, this.#backend);
        if (unusable !== undefined) throw unusable;
        // No longer than the issued token's lifetime, nor than the user's own token when it says.
        const expiresAt = Math.min(startedAt + issued.lifetimeMs, subject.expiresAt ?? Number.POSITIVE_INFINITY);
        const headerText = `${config.dpop === undefined ? 'Bearer' : 'DPoP'} ${issued.accessToken}`;
        const lifetimeMs = expiresAt - startedAt;
        if (lifetimeMs > 0) {
          const usableUntil = expiresAt - Math.min(config.refreshSkewMs, lifetimeMs / 2);
          this.#cache.set(key, { kind: 'token', header: Promise.resolve(headerText), headerText, usableUntil });
        }
        this.emit('token', {
          expiresAt,
          lifetimeMs,
          attempts,
          durationMs: Math.round(performance.now() - startedMono),
          background: false,
          source: 'endpoint',
          ...(this.#backend === undefined ? {} : { backend: this.#backend }),
        } satisfies TokenEvent);
        return headerText;
      } catch (failure) {
        if (this.#closed) throw closedError();
        this.#failures++;
        const error = exchangeError(failure, this.#label, this.#backend);
        const retryAfter = error instanceof McaTokenError ? error.retryAfterMs : undefined;
        const until = config.now() + Math.min(config.failureCooldownMs, retryAfter ?? Number.POSITIVE_INFINITY);
        this.#cache.set(key, { kind: 'refused', error, until });
        if (this.listenerCount('error') > 0) this.emit('error', error);
        throw error;
      } finally {
        this.#inflight.delete(key);
        this.#aborts.delete(abort);
      }
    })();
    this.#inflight.set(key, flight);
    return flight;
  }

  /** Drops the user's exchanged token that `reading` names, only if it is still `header`: after a 401 to it. */
  invalidateFor(reading: SubjectReading, header: string, reason: string): boolean {
    if (reading.kind !== 'token') return false;
    const entry = this.#cache.get(reading.token.fingerprint);
    const dropped = entry?.kind === 'token' && entry.headerText === header && this.#cache.delete(reading.token.fingerprint);
    if (dropped) this.emit('invalidated', this.#backend === undefined ? { reason } : { reason, backend: this.#backend });
    return dropped;
  }

  /** Drops the user's token that is `header`, or, without one, every user's. */
  invalidate(header?: string, reason = 'manual'): boolean {
    let dropped = false;
    if (header === undefined) {
      dropped = this.#cache.size > 0;
      this.#cache.clear();
    } else {
      const holding = [...this.#cache].filter(([, entry]) => entry.kind === 'token' && entry.headerText === header).map(([key]) => key);
      for (const key of holding) dropped = this.#cache.delete(key) || dropped;
    }
    if (dropped) this.emit('invalidated', this.#backend === undefined ? { reason } : { reason, backend: this.#backend });
    return dropped;
  }

  stats(): ProviderStats {
    return {
      hits: this.#hits,
      misses: this.#misses,
      fetches: this.#fetches,
      // Exchanged tokens never go to the fleet store, so none comes from it.
      fromStore: 0,
      failures: this.#failures,
      inflight: this.#inflight.size,
      // The users' tokens this entry holds (cache entries also include remembered refusals).
      size: [...this.#cache.values()].filter((entry) => entry.kind === 'token').length,
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const abort of this.#aborts) abort.abort(closedError());
    await Promise.all([...this.#inflight.values()].map((flight) => flight.catch(() => undefined)));
    this.#cache.clear();
    this.#endpoint.close();
    this.#retireMetrics();
  }
}
