import type { JsonWebKey, KeyObject } from 'node:crypto';

/**
 * Where the credentials and the token endpoint come from. Every field is resolved on its own,
 * first match wins: this option, then the environment variable, then the same key in the `.env`
 * file, then `VCAP_SERVICES` (Cloud Foundry). See docs/configuration.md.
 */
export interface CredentialOptions {
  /**
   * OAuth client id.
   * Env: `MCA_CLIENT_ID`. VCAP: `credentials.clientId`.
   */
  clientId?: string;
  /**
   * OAuth client secret. Never logged, never put in an error, hashed in cache keys.
   * Env: `MCA_SECRET`. VCAP: `credentials.secret`.
   */
  secret?: string;
  /**
   * MCA tenant id (the Bluemix application GUID). Synonym of {@link appId}; pass one of them.
   * Needed only when the endpoint is built from {@link serverUrl}.
   * Env: `MCA_TENANT_ID` or `MCA_APP_ID`. VCAP: `credentials.tenantId`, then `VCAP_APPLICATION.application_id`.
   */
  tenantId?: string;
  /** The seed SDK's name for {@link tenantId}. */
  appId?: string;
  /**
   * Mobile Client Access server, e.g. `https://imf-authserver.ng.bluemix.net/imf-authserver`.
   * The token endpoint is `{serverUrl}/authorization/v1/apps/{tenantId}/token`.
   * Env: `MCA_SERVER_URL`. VCAP: `credentials.serverUrl`.
   */
  serverUrl?: string;
  /**
   * App ID OAuth server, e.g. `https://us-south.appid.cloud.ibm.com/oauth/v4/<tenantId>`.
   * The token endpoint is `{oauthServerUrl}/token`. Wins over {@link serverUrl}.
   * Env: `MCA_OAUTH_SERVER_URL`. VCAP: `credentials.oauthServerUrl` (or `oAuthServerUrl`).
   */
  oauthServerUrl?: string;
  /**
   * Full token endpoint URL of any RFC 6749 server. Wins over {@link oauthServerUrl} and {@link serverUrl}.
   * Env: `MCA_TOKEN_URL`.
   */
  tokenUrl?: string;
  /**
   * Adds a `scope` form field to the token request. Never sent unless set.
   * Env: `MCA_SCOPE`.
   */
  scope?: string;
  /**
   * Adds an `audience` form field to the token request. Never sent unless set.
   * Env: `MCA_AUDIENCE`.
   */
  audience?: string;
  /**
   * Adds a `resource` form field (RFC 8707 resource indicator) to the token request. Never sent unless set.
   * Env: `MCA_RESOURCE`.
   */
  resource?: string;
  /**
   * How the client authenticates: `basic` sends `Authorization: Basic base64(id:secret)` (what MCA and
   * App ID expect), `post` sends `client_id` and `client_secret` form fields, `private_key_jwt` sends
   * a client assertion signed with {@link privateKey} (RFC 7523 §2.2) and no secret.
   * Env: `MCA_CLIENT_AUTH`.
   * @default 'basic', or 'private_key_jwt' when a private key and no secret is configured
   */
  clientAuth?: 'basic' | 'post' | 'private_key_jwt';
  /**
   * The private key that signs client assertions (`private_key_jwt`): PEM (PKCS#8, PKCS#1, SEC1), a
   * private JWK (object or JSON text), or a `KeyObject`. RSA keys sign RS256 (or PS256), EC P-256
   * keys ES256. Never logged; the cache key holds its JWK thumbprint. Give this or {@link privateKeyFile}.
   * Env: `MCA_PRIVATE_KEY`.
   */
  privateKey?: string | JsonWebKey | KeyObject;
  /**
   * A file holding the private key (PEM or JWK). Read again at every token request, so a rotated
   * key needs no restart; an unreadable file is an error naming the path, never the content.
   * Env: `MCA_PRIVATE_KEY_FILE`.
   */
  privateKeyFile?: string;
  /**
   * The client's certificate as a PEM chain, leaf first (it must belong to {@link privateKey}).
   * With it, assertions carry an `x5t#S256` header. Give this or {@link certificateFile}.
   * Env: `MCA_CERTIFICATE`.
   */
  certificate?: string;
  /**
   * A file holding the PEM certificate chain, read again at every token request.
   * Env: `MCA_CERTIFICATE_FILE`.
   */
  certificateFile?: string;
  /**
   * The `kid` header of client assertions, for servers that pick the key by id.
   * Env: `MCA_KEY_ID`.
   */
  keyId?: string;
  /**
   * The assertion's signing algorithm. It must fit the key.
   * Env: `MCA_SIGNING_ALGORITHM`.
   * @default 'RS256' for RSA keys ('PS256' for RSA-PSS keys), 'ES256' for EC P-256 keys
   */
  signingAlgorithm?: 'RS256' | 'PS256' | 'ES256';
  /**
   * The assertion's `aud`, for servers that want their issuer identifier instead of the token URL.
   * Env: `MCA_ASSERTION_AUDIENCE`.
   * @default the token endpoint URL
   */
  assertionAudience?: string;
  /**
   * Also send the SHA-1 certificate thumbprint header `x5t` (Entra ID asks for it). Needs a certificate.
   * @default false
   */
  x5t?: boolean;
  /**
   * Also send the certificate chain header `x5c`. Needs a certificate.
   * @default false
   */
  x5c?: boolean;
  /**
   * An IBM Cloud IAM API key. With it (and no other token server), tokens come from IBM Cloud IAM
   * (`POST {iamUrl}/identity/token`, grant `urn:ibm:params:oauth:grant-type:apikey`), as IBM's
   * IamAuthenticator gets them: for Cloudant and any IAM-protected service. Never logged, never put
   * in an error; the cache key holds a slow (scrypt) fingerprint of it.
   * Env: `MCA_APIKEY`. VCAP: `credentials.apikey` of the service picked by {@link serviceName}, when
   * that binding has no client secret.
   * Also per `protectedBackends` entry (a back end with an IAM client of its own; see {@link BackendTokenSettings}).
   */
  apikey?: string;
  /**
   * IBM Cloud IAM's token service, for {@link apikey} and trusted profiles. A trailing
   * `/identity/token` is not doubled. `http:` only to loopback (tests), as for every token URL.
   * Env: `MCA_IAM_URL`.
   * Also per `protectedBackends` entry; an entry with its own API key or profile inherits the middleware's.
   * @default 'https://iam.cloud.ibm.com'
   */
  iamUrl?: string;
  /**
   * The trusted profile to assume with a compute-resource token (Code Engine, IKS, OpenShift), by id.
   * Give one of `iamProfileId`, {@link iamProfileName}, {@link iamProfileCrn}.
   * Env: `MCA_IAM_PROFILE_ID`.
   * Also per `protectedBackends` entry (a back end with an IAM client of its own; see {@link BackendTokenSettings}).
   */
  iamProfileId?: string;
  /**
   * The trusted profile, by name.
   * Env: `MCA_IAM_PROFILE_NAME`. Also per `protectedBackends` entry.
   */
  iamProfileName?: string;
  /**
   * The trusted profile, by CRN.
   * Env: `MCA_IAM_PROFILE_CRN`. Also per `protectedBackends` entry.
   */
  iamProfileCrn?: string;
  /**
   * The compute-resource token file the platform mounts and rotates, read again for every token
   * request. An error names the path, never the content.
   * Env: `MCA_CR_TOKEN_FILE`.
   * Also per `protectedBackends` entry, with the entry's own profile; an entry with a profile of its own inherits the middleware's.
   * @default the first that exists of /var/run/secrets/tokens/vault-token, /var/run/secrets/tokens/sa-token, /var/run/secrets/codeengine.cloud.ibm.com/compute-resource-token/token
   */
  crTokenFile?: string;
  /**
   * IAM's optional client id (IBM's `clientId` for the IAM token service): with
   * {@link iamClientSecret}, a Basic header on the IAM request. Both or neither.
   * Env: `MCA_IAM_CLIENT_ID`. Also per `protectedBackends` entry, with the entry's own API key or profile (never inherited).
   */
  iamClientId?: string;
  /**
   * IAM's optional client secret, with {@link iamClientId}. Never logged.
   * Env: `MCA_IAM_CLIENT_SECRET`. Also per `protectedBackends` entry, with {@link iamClientId}.
   */
  iamClientSecret?: string;
  /**
   * A file holding a client assertion (a JWT) that the platform signs and rotates: a Kubernetes
   * projected service-account token, Azure workload identity's `AZURE_FEDERATED_TOKEN_FILE`. Sent as
   * `client_assertion` (type jwt-bearer, RFC 7523) with {@link clientId} to the token URL, instead of
   * a secret. Read again for every token request, never cached.
   * Env: `MCA_CLIENT_ASSERTION_FILE`. Also per `protectedBackends` entry, with the entry's own `clientId`.
   */
  clientAssertionFile?: string;
  /**
   * Picks the bound service instance by its `name` when several are bound. Any service in
   * `VCAP_SERVICES` with that name is used (also user-provided ones).
   * Without it, the first key starting with `AdvancedMobileAccess` or `AppID` is used, and its first instance.
   * Env: `MCA_SERVICE_NAME`.
   */
  serviceName?: string;
  /**
   * The `.env` file read after the real environment. A relative path is resolved against the
   * working directory. `false` turns it off. A missing default `.env` is not an error; a missing file
   * named here is.
   * @default '.env'
   */
  envFile?: string | false;
  /**
   * The environment to read instead of `process.env` (tests, multi-tenant hosts). It is never written to.
   * @default process.env
   */
  env?: Record<string, string | undefined>;
}
