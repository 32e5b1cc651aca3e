import axios, { AxiosError, type AxiosInstance, type AxiosRequestConfig } from 'axios';
import type { TokenProvider } from '../core/token-provider';
import type { BackendPredicate } from './protected-backends';
import { redactAxiosError } from './redact-axios-error';
import { REPLAY_MARK, injectedHeaders, replayOn401, type MarkedConfig } from './replay-on-401';
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
 * One axios instance whose request interceptor sets `Authorization` to the provider's header, on
 * requests to the protected back ends only (all requests when no allowlist is set). A request that
 * already carries `Authorization`, or says `mcaAuth: false`, is left alone.
 */
export function createAuthorizedClient(provider: TokenProvider, options: AuthorizedClientOptions): AxiosInstance {
  const { isProtected, retryOn401 } = options;
  const userConfig = options.axios ?? {};
  const userBeforeRedirect = (userConfig as { beforeRedirect?: BeforeRedirect }).beforeRedirect;
  // axios already strips Authorization on a cross-origin redirect; with an allowlist, a redirect
  // within the origin but out of the allowed prefixes loses the token too.
  const beforeRedirect: BeforeRedirect = (redirect, responseDetails, requestDetails) => {
    if (isProtected !== undefined && (redirect.href === undefined || !isProtected(redirect.href))) {
      dropAuthorization(redirect.headers);
    }
    userBeforeRedirect?.(redirect, responseDetails, requestDetails);
  };
  const client = axios.create({ ...userConfig, beforeRedirect } as AxiosRequestConfig);

  client.interceptors.request.use(async (request: MarkedConfig) => {
    // A replay carries its new header already.
    if (request[REPLAY_MARK] || request.mcaAuth === false || request.headers.has('Authorization')) return request;
    // Decided on the final absolute URL, after baseURL: a per-request absolute URL that leaves the
    // allowlist gets no token (the CVE-2025-27152 class).
    if (isProtected !== undefined && !isProtected(finalUrl(request))) return request;
    const header = await provider.getAuthorizationHeader();
    request.headers.set('Authorization', header);
    injectedHeaders.set(request, header);
    return request;
  });

  client.interceptors.response.use(undefined, (error: unknown) => {
    if (retryOn401 && error instanceof AxiosError && error.response?.status === 401 && error.config) {
      const replay = replayOn401(client, provider, error.config as MarkedConfig, error.response.request);
      if (replay !== undefined) {
        // The first 401 is consumed by the replay; scrub it anyway, it may still be referenced.
        redactAxiosError(error);
        return replay;
      }
    }
    return Promise.reject(redactAxiosError(error));
  });
  return client;
}
