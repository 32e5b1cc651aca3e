// Exports only. The Express and axios type augmentations ride along with these imports.
import './middleware/request-augmentation';
import './transports/axios/axios-augmentation';

export { mcaOAuth, type McaOAuthMiddleware } from './middleware/mca-oauth';
export { getAuthorizationHeader, getAuthorizationHeaderBySecret, closeAuthorizationHeaderCache } from './compat/get-authorization-header';
export { createTokenProvider } from './create-token-provider';
export { getAuthorizationHeaderByCertificate, type GetAuthorizationHeaderByCertificateOptions } from './compat/by-certificate';
export { getAuthorizationHeaderFromIncomingRequest, type RequestWithHeaders } from './compat/incoming-request';
export { Constant } from './compat/constant';
export { type TokenProvider, type ProviderStats, type TokenEvent, type InvalidatedEvent, type TokenProviderEvents } from './token/token-provider';
export type { RetryEvent } from './token/fetch-with-retry';
export {
  MemoryTokenStore,
  STORE_IDENTITY,
  type TokenStore,
  type StoredToken,
  type TokenStoreContext,
  type FetchOnceResult,
  type StoreHealthStats,
} from './token/token-store';
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
} from './settings/options';
export type { McaFetch, McaFetchInit } from './transports/fetch/authorized-fetch';
