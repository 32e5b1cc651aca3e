import { AxiosError, type InternalAxiosRequestConfig } from 'axios';

function isReplayable(data: unknown): boolean {
  // A stream has been consumed by the first attempt; everything else axios sends (strings,
  // Buffers, URLSearchParams) can be sent again.
  return !(typeof data === 'object' && data !== null && typeof (data as { pipe?: unknown }).pipe === 'function');
}

/**
 * Whether a failed request should be replayed once with a new token: the back end answered 401
 * to the very header we sent. After a redirect, the hop that answered may never have seen the
 * token (it is dropped on the way out of the allowlist), and then the token is not at fault. A
 * 403 is a permission answer, not an expired token.
 */
export function isReplayable401(error: unknown, sentHeader: string, config: InternalAxiosRequestConfig): boolean {
  if (!(error instanceof AxiosError) || error.response?.status !== 401 || !isReplayable(config.data)) return false;
  const answered = error.response.request as { getHeader?: (name: string) => unknown } | undefined;
  return answered?.getHeader?.('authorization') === sentHeader;
}
