import axios, { type AxiosAdapter, type AxiosInstance, type AxiosRequestConfig, type InternalAxiosRequestConfig } from 'axios';
import type { TokenProvider } from '../core/token-provider';
import type { BackendPredicate } from './protected-backends';
import { redactAxiosError } from './redact-axios-error';
import { isReplayable401 } from './replay-on-401';
import './axios-augmentation';

export interface AuthorizedClientOptions {
  isProtected: BackendPredicate | undefined;
  retryOn401: boolean;
  axios: AxiosRequestConfig | undefined;
}

type RedirectOptions = { href?: string; headers?: Record<string, unknown> };
type BeforeRedirect = (options: RedirectOptions, responseDetails: unknown, requestDetails: unknown) => void;

function dropAuthorization(headers: Record<string, unknown> | undefined): void {
  if (!headers) return;
  for (const name of Object.keys(headers)) if (name.toLowerCase() === 'authorization') delete headers[name];
}

const ABSOLUTE = /^([a-z][a-z\d+\-.]*:)?\/\//i;

/**
 * The URL axios will request, combined from `baseURL` and `url` by axios's own rules
 * (buildFullPath, including `allowAbsoluteUrls`). `params` are left out: they cannot move a request
 * to another origin or path. axios.getUri() would merge the whole config again on every request.
 */
export function finalUrl(config: { url?: string; baseURL?: string; allowAbsoluteUrls?: boolean }): string {
  const url = config.url ?? '';
  const base = config.baseURL;
  if (base && (!ABSOLUTE.test(url) || config.allowAbsoluteUrls === false)) {
    return url ? `${base.replace(/\/?\/$/, '')}/${url.replace(/^\/+/, '')}` : base;
  }
  return url;
}

/**
 * One axios instance that sets `Authorization` to the provider's header on requests to the
 * protected back ends only (all requests when no allowlist is set). A request that already
 * carries `Authorization`, or says `mcaAuth: false`, is left alone.
 *
 * The work happens in a wrapper around axios's adapter rather than in interceptors: an async
 * interceptor would move every request of the instance onto a promise chain, and a response
 * interceptor adds another step; in the adapter, the token costs one await on a resolved promise.
 */
export function createAuthorizedClient(provider: TokenProvider, options: AuthorizedClientOptions): AxiosInstance {
  const { isProtected, retryOn401 } = options;
  const userConfig = options.axios ?? {};
  const send = axios.getAdapter(userConfig.adapter ?? axios.defaults.adapter);
  const userBeforeRedirect = (userConfig as { beforeRedirect?: BeforeRedirect }).beforeRedirect;
  // axios already strips Authorization on a cross-origin redirect; with an allowlist, a redirect
  // within the origin but out of the allowed prefixes loses the token too.
  const beforeRedirect: BeforeRedirect = (redirect, responseDetails, requestDetails) => {
    if (isProtected !== undefined && (redirect.href === undefined || !isProtected(redirect.href))) {
      dropAuthorization(redirect.headers);
    }
    userBeforeRedirect?.(redirect, responseDetails, requestDetails);
  };

  const wantsToken = (config: InternalAxiosRequestConfig): boolean =>
    config.mcaAuth !== false &&
    !config.headers.has('Authorization') &&
    // Decided on the final absolute URL, after baseURL: a per-request absolute URL that leaves the
    // allowlist gets no token (the CVE-2025-27152 class).
    (isProtected === undefined || isProtected(finalUrl(config)));

  async function sendWithToken(config: InternalAxiosRequestConfig) {
    const header = await provider.getAuthorizationHeader();
    config.headers.set('Authorization', header);
    try {
      return await send(config);
    } catch (error) {
      if (!retryOn401 || !isReplayable401(error, header, config)) throw redactAxiosError(error);
      // The back end no longer takes this token (revoked, keys rotated, its clock ahead of ours):
      // drop it if it is still the cached one, get one (fifty such 401s make one token request)
      // and replay once. The replay's 401 goes back as is: there is never a loop. (The first error
      // is dropped unseen; the config it shares with the replay must keep its credentials.)
      provider.invalidate(header, 'backend-401');
      config.headers.set('Authorization', await provider.getAuthorizationHeader());
      try {
        return await send(config);
      } catch (replayError) {
        throw redactAxiosError(replayError);
      }
    }
  }

  const adapter: AxiosAdapter = (config) => {
    if (wantsToken(config)) return sendWithToken(config);
    return send(config).catch((error: unknown) => Promise.reject(redactAxiosError(error)));
  };
  return axios.create({ ...userConfig, adapter, beforeRedirect } as AxiosRequestConfig);
}
