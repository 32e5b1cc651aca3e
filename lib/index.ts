// Exports only. The Express and axios type augmentations ride along with these imports.
import './express/request-augmentation';
import './client/axios-augmentation';

export { mcaOAuth, type McaOAuthMiddleware } from './express/mca-oauth';
export { getAuthorizationHeader, getAuthorizationHeaderBySecret, closeAuthorizationHeaderCache } from './get-authorization-header';
export { createTokenProvider } from './store-choice';
export { getAuthorizationHeaderByCertificate, type GetAuthorizationHeaderByCertificateOptions } from './seed/by-certificate';
export { getAuthorizationHeaderFromIncomingRequest, type RequestWithHeaders } from './seed/incoming-request';
export { Constant } from './seed/constant';
export { type TokenProvider, type ProviderStats, type TokenEvent, type InvalidatedEvent, type TokenProviderEvents } from './core/token-provider';
export type { RetryEvent } from './core/fetch-with-retry';
export {
  MemoryTokenStore,
  STORE_IDENTITY,
  type TokenStore,
  type StoredToken,
  type TokenStoreContext,
  type FetchOnceResult,
  type StoreHealthStats,
} from './core/token-store';
export { McaOAuthError, isMcaOAuthError, type McaOAuthErrorDetails } from './errors/mca-oauth-error';
export { McaConfigError, isMcaConfigError } from './errors/mca-config-error';
export { McaTokenError, isMcaTokenError, type TokenErrorResponse } from './errors/mca-token-error';
export { McaSubjectTokenError, isMcaSubjectTokenError } from './errors/mca-subject-token-error';
export type {
  CredentialOptions,
  TokenProviderOptions,
  McaOAuthOptions,
  GetAuthorizationHeaderOptions,
  BackendMatcher,
  BackendEntry,
  BackendTokenSettings,
  OnBehalfOf,
} from './options';
export type { McaFetch, McaFetchInit } from './fetch/authorized-fetch';
