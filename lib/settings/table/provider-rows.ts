// The rows of the token provider's own settings (TokenProviderOptions beyond the credentials):
// cache, timeouts, retries, the store, the clock and plain-http opt-in.
import type { BackendTokenSettings, CredentialOptions, TokenProviderOptions } from '../options';
import { MAX_TIMER_MS } from '../option-checks';
import type { RowsOf } from './credential-rows';

const number = (fallback: number, bounds: { integer?: boolean; min: number; minExclusive?: boolean; max?: number }) => ({
  group: 'tuning' as const,
  kind: 'number' as const,
  entry: false as const,
  fallback,
  bounds,
});

export const PROVIDER_ROWS: RowsOf<Omit<TokenProviderOptions, keyof CredentialOptions>, BackendTokenSettings> = {
  cacheSize: { ...number(100, { integer: true, min: 1 }), doc: 'Tokens the in-process cache keeps (and configurations `getAuthorizationHeader` keeps).' },
  refreshSkewSeconds: {
    ...number(60, { min: 0 }),
    default: "`60` (at most half the token's lifetime)",
    doc: 'A token is replaced this many seconds before `exp`.',
  },
  defaultExpiresIn: { ...number(300, { min: 0, minExclusive: true }), doc: 'Lifetime in seconds assumed when the response has no `expires_in`.' },
  maxTokenLifetimeSeconds: { ...number(86_400, { min: 0, minExclusive: true }), doc: 'Longest lifetime believed from `expires_in`.' },
  refreshWindowSeconds: {
    group: 'tuning',
    kind: 'number',
    entry: false,
    bounds: { min: 0 },
    default: '20% of the lifetime, 30–300 s, ±10% jitter',
    doc: 'Background refresh starts when this many seconds of life are left.',
  },
  timeoutMs: {
    ...number(10_000, { integer: true, min: 1, max: MAX_TIMER_MS }),
    flag: { arg: '<ms>', note: 'timeout of the token request (default 10000)', integer: true },
    doc: 'Timeout of one token request attempt.',
  },
  deadlineMs: { ...number(30_000, { integer: true, min: 1, max: MAX_TIMER_MS }), doc: 'Bound of one fetch, all attempts and waits together.' },
  retries: { ...number(3, { integer: true, min: 0 }), doc: 'Retries after a network error, timeout, 408, 429 or 5xx.' },
  retryBaseMs: { ...number(200, { min: 0 }), doc: 'Base of the full-jitter backoff between retries.' },
  retryMaxMs: { ...number(5_000, { min: 0 }), doc: 'Longest backoff between retries.' },
  retryAfterMaxMs: { ...number(30_000, { min: 0 }), doc: 'Longest `Retry-After` honoured.' },
  failureCooldownMs: { ...number(1_000, { min: 0 }), doc: 'After a failed fetch, callers get the same error at once for this long.' },
  store: {
    group: 'store',
    kind: 'object',
    entry: false,
    default: 'in-process LRU of `cacheSize`, or Redis when a `MCA_REDIS_*` variable asks',
    doc: 'Where tokens are kept: a `TokenStore`.',
  },
  now: { group: 'store', kind: 'function', entry: false, default: '`Date.now`', doc: 'The clock, in epoch ms; inject one in tests.' },
  allowInsecureHttp: {
    group: 'outbound',
    kind: 'boolean',
    entry: false,
    env: ['MCA_ALLOW_INSECURE_HTTP'],
    fallback: false,
    doc: 'Allows plain `http:` beyond loopback, for the token endpoint and back ends.',
  },
};
