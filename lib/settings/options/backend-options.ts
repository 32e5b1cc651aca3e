// The types of a `protectedBackends` entry: what it matches, and the token settings it may set for
// itself. Its TSDoc links to McaOAuthOptions are not imported (editors leave them unresolved):
// an import would make the option type files import each other.
import type { CredentialOptions } from './credential-options';

/** A URL prefix or origin (string) or a pattern tested against the absolute request URL. */
export type BackendMatcher = string | RegExp;

/**
 * The token settings one back end may set for itself, in code or in the JSON file of
 * {@link McaOAuthOptions.protectedBackendsFile} (never from environment variables: those are the
 * middleware's own). Each unset field is resolved as the middleware's own (option, environment,
 * `.env`, `VCAP_SERVICES`), except what belongs to another client:
 * - an entry with its own OAuth client (`clientId`) must set its own credential (`secret`,
 *   `privateKey` / `privateKeyFile`, or `clientAssertionFile`) and takes none of the middleware's
 *   client authentication (secret, `clientAuth`, key, certificate, `keyId` …) nor any of its IAM
 *   settings (`apikey`, profile, `crTokenFile`, `iamUrl`, IAM client, a bound service's key);
 * - an entry with its own IBM Cloud IAM client (`apikey`, or a trusted profile `iamProfileId` /
 *   `iamProfileName` / `iamProfileCrn`) takes none of the middleware's OAuth client or endpoint
 *   (`clientId`, `secret`, `tokenUrl`, `audience` …) nor its API key, profile or IAM client; it
 *   inherits `iamUrl`, and with a profile the `crTokenFile` (the workload's own token);
 * - such an entry inherits `scope` only from a middleware of the same kind (IAM or OAuth);
 * - `crTokenFile`, `iamClientId` and `iamClientSecret` need the entry's own API key or profile;
 * - a client setting present but `undefined` (an unset variable read in code) is an error, since
 *   the entry would otherwise get the middleware's token; so is an endpoint (`tokenUrl`,
 *   `serverUrl`, `oauthServerUrl`, `iamUrl`) present but `undefined` on an entry with a client of
 *   its own, whose credential would otherwise go to the middleware's token server;
 * - the middleware's credential (its secret, key or API key, and the workload's `crTokenFile`)
 *   goes only to the token server the middleware's own configuration names: an entry that borrows
 *   it but points at a server on another origin is refused (`ERR_MCA_BORROWED_CREDENTIAL`).
 *
 * The JSON file is configuration with the trust of `.env`: an entry may name credential files
 * (`privateKeyFile`, `clientAssertionFile`, `crTokenFile`) and its own token server, so whoever can
 * write the file can send those files' content there. Protect it like `.env`.
 */
export type BackendTokenSettings = Pick<
  CredentialOptions,
  | 'clientId'
  | 'secret'
  | 'tenantId'
  | 'appId'
  | 'serverUrl'
  | 'oauthServerUrl'
  | 'tokenUrl'
  | 'scope'
  | 'audience'
  | 'resource'
  | 'clientAuth'
  | 'privateKey'
  | 'privateKeyFile'
  | 'certificate'
  | 'certificateFile'
  | 'keyId'
  | 'signingAlgorithm'
  | 'assertionAudience'
  | 'x5t'
  | 'x5c'
  | 'clientAssertionFile'
  | 'apikey'
  | 'iamUrl'
  | 'iamProfileId'
  | 'iamProfileName'
  | 'iamProfileCrn'
  | 'crTokenFile'
  | 'iamClientId'
  | 'iamClientSecret'
>;

/**
 * A protected back end with a token of its own. Each distinct combination of credentials,
 * endpoint, scope, audience and resource gets its own cached token, single flight and refresh.
 */
export interface BackendEntry extends BackendTokenSettings {
  /** Where this entry applies: an origin or URL prefix, or a RegExp, as in a plain entry. */
  match: BackendMatcher;
  /**
   * Refers to the entry in `req.mcaAuth(name)`, the CLI (`token --backend NAME`), events, stats
   * and debug lines. Letters, digits, `.`, `_` and `-`; unique; not `default`.
   */
  name?: string;
  /**
   * The `name`s of the entries whose redirects into this one carry this entry's token. Trust is
   * per entry: a redirect from another entry (or one that passed through another entry) into this
   * one carries no token unless this list names each entry it passed through, so a back end with a
   * low-privilege token cannot aim a call, with its method and body, at a path of a back end with
   * a high-privilege one. A redirect within one entry always carries its token. Entry names only:
   * `'*'`, this entry's own name and a name no entry has are startup errors
   * (`ERR_MCA_INVALID_ACCEPT_REDIRECTS_FROM`); at most 64 names. No environment variable (the
   * JSON file of {@link McaOAuthOptions.protectedBackendsFile} may set it).
   * @default [] (no other entry's redirect carries this entry's token)
   */
  acceptRedirectsFrom?: string[];
  /**
   * Calls to this back end carry a token minted for the end user whose request is being served:
   * the incoming request's `Authorization: Bearer …` exchanged at this entry's token endpoint,
   * with its client, `audience`, `resource` and `scope` (see {@link McaOAuthOptions.onBehalfOf}).
   * No environment variable (the JSON file of {@link McaOAuthOptions.protectedBackendsFile} may set it).
   * @default the middleware's `onBehalfOf`
   */
  onBehalfOf?: OnBehalfOf;
  /**
   * This back end's tokens are DPoP-bound (RFC 9449): see {@link McaOAuthOptions.dpop}. No
   * environment variable (the JSON file of {@link McaOAuthOptions.protectedBackendsFile} may set it).
   * @default the middleware's `dpop`
   */
  dpop?: boolean;
}

/**
 * `true`: RFC 8693 token exchange (`grant_type=urn:ietf:params:oauth:grant-type:token-exchange`,
 * `subject_token`, `subject_token_type=urn:ietf:params:oauth:token-type:access_token`).
 * `{ grant: 'jwt-bearer' }`: Microsoft Entra's on-behalf-of flow (`grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer`,
 * `assertion`, `requested_token_use=on_behalf_of`). `false`: the app's own token.
 */
export type OnBehalfOf = boolean | { grant?: 'token-exchange' | 'jwt-bearer' };
