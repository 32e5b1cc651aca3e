import axios, { type AxiosInstance, type AxiosRequestConfig, type InternalAxiosRequestConfig } from 'axios';
import type { TokenProvider } from '../core/token-provider';
import type { BackendPredicate } from './protected-backends';
import './axios-augmentation';

/**
 * One axios instance whose request interceptor sets `Authorization` to the provider's header, on
 * requests to the protected back ends only (all requests when no allowlist is set). A request that
 * already carries `Authorization`, or says `mcaAuth: false`, is left alone.
 */
export function createAuthorizedClient(
  provider: TokenProvider,
  isProtected: BackendPredicate | undefined,
  config: AxiosRequestConfig = {},
): AxiosInstance {
  const client = axios.create(config);
  client.interceptors.request.use(async (request: InternalAxiosRequestConfig) => {
    if (request.mcaAuth === false || request.headers.has('Authorization')) return request;
    if (isProtected !== undefined && !isProtected(axios.getUri(request))) return request;
    request.headers.set('Authorization', await provider.getAuthorizationHeader());
    return request;
  });
  return client;
}
