import { AxiosHeaders, type AxiosInstance, type InternalAxiosRequestConfig } from 'axios';
import type { TokenProvider } from '../core/token-provider';

/**
 * The header each request was given, by config object. Kept beside the config rather than in it:
 * a config is logged with its errors, and a copy would outlive the redaction.
 */
export const injectedHeaders = new WeakMap<object, string>();

/**
 * Marks a replay. A string key, because axios's mergeConfig keeps only string keys, and the mark
 * must reach the interceptors of the replayed request.
 */
export const REPLAY_MARK = 'mcaOAuthReplay';

export type MarkedConfig = InternalAxiosRequestConfig & { [REPLAY_MARK]?: true };

function isReplayable(data: unknown): boolean {
  // A stream has been consumed by the first attempt; everything axios sends otherwise is a
  // string, Buffer, URLSearchParams or plain data it can serialize again.
  return !(typeof data === 'object' && data !== null && typeof (data as { pipe?: unknown }).pipe === 'function');
}

/**
 * A 401 to the token we sent means the back end no longer takes it (revoked, rotated keys, a
 * clock ahead of ours). Drop that token if it is still the cached one, get one (single flight, so
 * fifty such 401s make one token request), and replay once. The replay is marked: its 401 goes
 * back to the caller as is, so there is never a loop. 403 is a permission answer and is not retried.
 */
export function replayOn401(
  client: AxiosInstance,
  provider: TokenProvider,
  config: MarkedConfig,
  answeredRequest: unknown,
): Promise<unknown> | undefined {
  const injected = injectedHeaders.get(config);
  if (injected === undefined || config[REPLAY_MARK] || !isReplayable(config.data)) return undefined;
  // After a redirect, the hop that answered 401 may never have seen the token (it is dropped on
  // the way out of the allowlist). Only a 401 to our own token says that token is bad.
  const sent = (answeredRequest as { getHeader?: (name: string) => unknown } | undefined)?.getHeader?.('authorization');
  if (sent !== injected) return undefined;
  provider.invalidate(injected, 'backend-401');
  return provider.getAuthorizationHeader().then((header) => {
    const headers = AxiosHeaders.from(config.headers);
    headers.set('Authorization', header);
    const replay: MarkedConfig = { ...config, headers, [REPLAY_MARK]: true };
    return client.request(replay);
  });
}
