// Exports only: the public option types, one group per file under options/. Code imports them from here.
export type { CredentialOptions } from './credential-options';
export type { TokenProviderOptions, GetAuthorizationHeaderOptions } from './token-provider-options';
export type { McaOAuthOptions } from './middleware-options';
export type { BackendMatcher, BackendTokenSettings, BackendEntry, OnBehalfOf } from './backend-options';
