/**
 * Every code the package raises, with its cause and its fix: the one list that docs/errors.md's
 * tables are written from (`npm run docs:errors`) and that test/error-codes.test.ts holds against
 * the source (a code thrown but not listed, or listed but thrown nowhere, fails it). Data only,
 * imported by no runtime module: it costs the package nothing at startup.
 */

/** What a code reaches the caller as: an error class, or the token store's `store-error` event. */
export type RaisedAs = 'config' | 'token' | 'subject' | 'oauth' | 'store-event';

/** The guide's "class" column for each {@link RaisedAs}. */
export const RAISED_AS_LABEL: Readonly<Record<RaisedAs, string>> = {
  config: '`McaConfigError`',
  token: '`McaTokenError`',
  subject: '`McaSubjectTokenError` (`status` 401)',
  oauth: '`McaOAuthError`',
  'store-event': '`store-error` event',
};

/** One row of the guide: codes that share a cause and a fix. */
export interface ErrorCodeEntry {
  /** The codes, each in one entry only. */
  readonly codes: readonly string[];
  /** A family the row stands for (`ERR_MCA_INVALID_<FIELD>`), shown instead of or before the codes. */
  readonly family?: string;
  /** With {@link family}: the codes shown as examples; the guide lists all of them below the table. */
  readonly examples?: readonly string[];
  /** Shown after the codes, in parentheses. */
  readonly note?: string;
  readonly raisedAs: RaisedAs;
  /** When it happens: one line. */
  readonly when: string;
  /** What to do. */
  readonly fix: string;
}

/** A process warning (`process.emitWarning`), emitted once per cause. */
export interface WarningCodeEntry {
  readonly code: string;
  readonly when: string;
  readonly fix: string;
}

export const ERROR_CODES: readonly ErrorCodeEntry[] = [
  {
    codes: ['ERR_MCA_MISSING_CLIENT_ID', 'ERR_MCA_MISSING_SECRET', 'ERR_MCA_MISSING_TENANT_ID', 'ERR_MCA_MISSING_SERVER_URL'],
    raisedAs: 'config',
    when: 'a required field is in none of its places',
    fix: 'pass the option, set the variable (environment or `.env`), or bind the service; the message names all three',
  },
  {
    family: 'ERR_MCA_INVALID_<FIELD>',
    examples: ['ERR_MCA_INVALID_SERVER_URL', 'ERR_MCA_INVALID_CACHE_SIZE', 'ERR_MCA_INVALID_RETRY_ON_401'],
    codes: [
      'ERR_MCA_INVALID_ALLOW_INSECURE_HTTP',
      'ERR_MCA_INVALID_APIKEY',
      'ERR_MCA_INVALID_APP_ID',
      'ERR_MCA_INVALID_ASSERTION_AUDIENCE',
      'ERR_MCA_INVALID_AUDIENCE',
      'ERR_MCA_INVALID_AXIOS',
      'ERR_MCA_INVALID_BACKOFF_MS',
      'ERR_MCA_INVALID_CACHE_SIZE',
      'ERR_MCA_INVALID_CLIENT_AUTH',
      'ERR_MCA_INVALID_CLOUD_CONTROLLER_URL',
      'ERR_MCA_INVALID_CLUSTER_NODES',
      'ERR_MCA_INVALID_CONNECT_TIMEOUT_MS',
      'ERR_MCA_INVALID_DEADLINE_MS',
      'ERR_MCA_INVALID_DEFAULT_EXPIRES_IN',
      'ERR_MCA_INVALID_ENCRYPT',
      'ERR_MCA_INVALID_ENV',
      'ERR_MCA_INVALID_FAILURE_COOLDOWN_MS',
      'ERR_MCA_INVALID_IAM_CLIENT_ID',
      'ERR_MCA_INVALID_IAM_CLIENT_SECRET',
      'ERR_MCA_INVALID_IAM_PROFILE_CRN',
      'ERR_MCA_INVALID_IAM_PROFILE_ID',
      'ERR_MCA_INVALID_IAM_PROFILE_NAME',
      'ERR_MCA_INVALID_IAM_URL',
      'ERR_MCA_INVALID_IMF_SERVICE_URL',
      'ERR_MCA_INVALID_KEY_ID',
      'ERR_MCA_INVALID_LOCK_TTL_MS',
      'ERR_MCA_INVALID_LOCK_WAIT_MS',
      'ERR_MCA_INVALID_L_1_SIZE',
      'ERR_MCA_INVALID_MAX_TOKEN_LIFETIME_SECONDS',
      'ERR_MCA_INVALID_MCA_REDIS_CLUSTER_NODES',
      'ERR_MCA_INVALID_MCA_REDIS_SENTINELS',
      'ERR_MCA_INVALID_MCA_REDIS_SENTINEL_MASTER',
      'ERR_MCA_INVALID_MCA_REDIS_URL',
      'ERR_MCA_INVALID_NOW',
      'ERR_MCA_INVALID_OAUTH_SERVER_URL',
      'ERR_MCA_INVALID_ON_BEHALF_OF_CACHE_SIZE',
      'ERR_MCA_INVALID_POLL_MS',
      'ERR_MCA_INVALID_PREFIX',
      'ERR_MCA_INVALID_PROPERTIES',
      'ERR_MCA_INVALID_PROTECTED_BACKENDS',
      'ERR_MCA_INVALID_REFRESH_SKEW_SECONDS',
      'ERR_MCA_INVALID_REFRESH_WINDOW_SECONDS',
      'ERR_MCA_INVALID_RESOURCE',
      'ERR_MCA_INVALID_RETRIES',
      'ERR_MCA_INVALID_RETRY_AFTER_MAX_MS',
      'ERR_MCA_INVALID_RETRY_BASE_MS',
      'ERR_MCA_INVALID_RETRY_MAX_MS',
      'ERR_MCA_INVALID_RETRY_ON_401',
      'ERR_MCA_INVALID_RETRY_ON_401_MIN_INTERVAL_MS',
      'ERR_MCA_INVALID_SCOPE',
      'ERR_MCA_INVALID_SECRET',
      'ERR_MCA_INVALID_SENTINELS',
      'ERR_MCA_INVALID_SENTINEL_MASTER',
      'ERR_MCA_INVALID_SERVER_URL',
      'ERR_MCA_INVALID_SERVICE_NAME',
      'ERR_MCA_INVALID_SIGNING_ALGORITHM',
      'ERR_MCA_INVALID_STORE',
      'ERR_MCA_INVALID_STORE_TIMEOUT_MS',
      'ERR_MCA_INVALID_TENANT_ID',
      'ERR_MCA_INVALID_TOKEN_URL',
      'ERR_MCA_INVALID_URL',
    ],
    raisedAs: 'config',
    when: 'an option or resolved value has the wrong type or form',
    fix: 'fix the value the message names (`field` holds its name)',
  },
  {
    codes: ['ERR_MCA_UNKNOWN_OPTION'],
    raisedAs: 'config',
    when: 'an option the package does not know',
    fix: 'fix the spelling (the message suggests one)',
  },
  {
    codes: ['ERR_MCA_INVALID_OPTIONS', 'ERR_MCA_CONFLICTING_OPTIONS'],
    raisedAs: 'config',
    when: 'options not an object; `tenantId` ≠ `appId`',
    fix: 'pass an object; pass only one of the synonyms',
  },
  {
    codes: ['ERR_MCA_BAD_VCAP_SERVICES', 'ERR_MCA_BAD_VCAP_APPLICATION'],
    raisedAs: 'config',
    when: 'the variable is not JSON or not the Cloud Foundry shape',
    fix: 'fix the binding, or unset the variable',
  },
  {
    codes: ['ERR_MCA_SERVICE_NOT_FOUND'],
    raisedAs: 'config',
    when: '`serviceName` names no bound service',
    fix: 'fix `serviceName` / `MCA_SERVICE_NAME`, or bind the service',
  },
  {
    codes: ['ERR_MCA_INVALID_ENV_FILE'],
    raisedAs: 'config',
    when: 'the `envFile` named cannot be read',
    fix: 'fix the path, or `envFile: false`',
  },
  {
    codes: ['ERR_MCA_FACTORY_NOT_CALLED'],
    raisedAs: 'config',
    when: '`app.use(mcaOAuth)` instead of `app.use(mcaOAuth())`',
    fix: 'call the factory',
  },
  {
    codes: ['ERR_MCA_INVALID_BACKEND_NAME'],
    raisedAs: 'config',
    when: "a `protectedBackends` entry's `name` is malformed, taken, or `default`",
    fix: 'fix the name the message points at (`protectedBackends[i].name`)',
  },
  {
    codes: ['ERR_MCA_INVALID_PROTECTED_BACKENDS_FILE'],
    raisedAs: 'config',
    when: 'the JSON file of `protectedBackendsFile` / `MCA_PROTECTED_BACKENDS_FILE` cannot be read, is not JSON, or is not an array',
    fix: 'fix the path or the file',
  },
  {
    codes: ['ERR_MCA_UNKNOWN_BACKEND'],
    raisedAs: 'config',
    when: '`req.mcaAuth(x)` / `--backend x` with a name no entry has, or a URL no entry matches',
    fix: 'pass a name from `mw.backends`, or a URL on the allowlist',
  },
  {
    codes: ['ERR_MCA_MISSING_PRIVATE_KEY'],
    raisedAs: 'config',
    when: "`clientAuth: 'private_key_jwt'` with no key",
    fix: 'pass `privateKey` / `privateKeyFile`, or set `MCA_PRIVATE_KEY` / `MCA_PRIVATE_KEY_FILE`',
  },
  {
    codes: ['ERR_MCA_INVALID_PRIVATE_KEY', 'ERR_MCA_INVALID_PRIVATE_KEY_FILE', 'ERR_MCA_INVALID_CERTIFICATE', 'ERR_MCA_INVALID_CERTIFICATE_FILE'],
    raisedAs: 'config',
    when: 'a key or certificate (or its file) that cannot be read or parsed, or a certificate of another key; at startup or at a fetch after a rotation',
    fix: 'fix the file the message names (its content is never shown)',
  },
  {
    codes: ['ERR_MCA_MISSING_IMF_SERVICE_URL', 'ERR_MCA_MISSING_CLOUD_CONTROLLER_URL', 'ERR_MCA_MISSING_PEM'],
    raisedAs: 'config',
    when: 'the certificate flow lacks env `imfServiceUrl`, env `cloudControllerUrl` (with `credential`), or a usable `imf_certificate/*.pem`',
    fix: 'set the variable, or put the files in the working directory',
  },
  {
    codes: ['ERR_MCA_NO_PERMISSION'],
    raisedAs: 'oauth',
    when: "the cloud controller did not answer 200 to the certificate flow's `credential`",
    fix: 'use a credential that may read the app',
  },
  {
    codes: [
      'ERR_MCA_MISSING_APIKEY',
      'ERR_MCA_MISSING_IAM_PROFILE_ID',
      'ERR_MCA_MISSING_CR_TOKEN_FILE',
      'ERR_MCA_MISSING_IAM_CLIENT_ID',
      'ERR_MCA_MISSING_IAM_CLIENT_SECRET',
    ],
    raisedAs: 'config',
    when: "an IAM grant lacks its key, its profile, its token file, or half of IAM's Basic client",
    fix: 'the message names the option and variable to set',
  },
  {
    codes: ['ERR_MCA_INVALID_CR_TOKEN_FILE', 'ERR_MCA_INVALID_CLIENT_ASSERTION_FILE'],
    raisedAs: 'config',
    when: 'the token or assertion file is missing, empty, over 64 KiB or not a JWT; at startup or at a fetch',
    fix: 'fix the file the message names (its content is never shown)',
  },
  {
    codes: ['ERR_MCA_REDIS_CLIENT_MISSING'],
    raisedAs: 'config',
    when: 'a Redis store is configured but `ioredis` is not installed',
    fix: '`npm install ioredis`, or unset the `MCA_REDIS_*` variable',
  },
  {
    codes: ['ERR_MCA_MISSING_FLEET_KEY', 'ERR_MCA_INVALID_FLEET_KEY'],
    raisedAs: 'config',
    when: 'a Redis store without a fleet key, or one shorter than 32 bytes or plainly not random (fewer than 16 distinct byte values)',
    fix: '`MCA_REDIS_FLEET_KEY=$(openssl rand -base64 32)`, the same in every process',
  },
  {
    codes: ['ERR_MCA_REDIS_BINDING'],
    raisedAs: 'config',
    when: '`MCA_REDIS_SERVICE_NAME` names no bound service, or one without usable credentials',
    fix: 'fix the name or the binding',
  },
  {
    codes: ['ERR_MCA_INVALID_CLIENT'],
    raisedAs: 'token',
    when: "the token endpoint rejected the credentials (401, 403, `invalid_client`, or IAM's 400 with an `errorCode`, kept in `err.errorCode`); not retried",
    fix: 'check `clientId` and `secret`, the API key or the profile (`npx express-mca-oauth check`)',
  },
  {
    codes: ['ERR_MCA_TOKEN_REQUEST_FAILED'],
    raisedAs: 'token',
    when: 'network failure, timeout, or a non-200 answer (`tokenEndpointStatus` set) after the retries',
    fix: 'look at `tokenEndpointStatus`, `cause.code` and `attempts`; the server or the network is down',
  },
  {
    codes: ['ERR_MCA_BAD_TOKEN_RESPONSE'],
    raisedAs: 'token',
    when: 'a 200 whose body is not a usable token response, or over 1 MiB, or an `access_token` over 8 KiB',
    fix: 'the URL points at something that is not a token endpoint (`check` shows the URL)',
  },
  {
    codes: ['ERR_MCA_CLOSED'],
    raisedAs: 'oauth',
    when: 'the provider was closed',
    fix: 'create a new provider or middleware',
  },
  {
    note: 'of the `ERR_MCA_INVALID_<FIELD>` family',
    codes: ['ERR_MCA_INVALID_CLIENT_ID', 'ERR_MCA_INVALID_X5T', 'ERR_MCA_INVALID_X5C'],
    raisedAs: 'config',
    when: '`clientId` blank or with surrounding whitespace (the message names its source); `x5t` / `x5c` not `true` or `false`, or without a `certificate`',
    fix: 'fix the value where the message says it came from',
  },
  {
    codes: ['ERR_MCA_BORROWED_CREDENTIAL'],
    raisedAs: 'config',
    when: "a `protectedBackends` entry with no client of its own points at a token server (or IAM) on another origin than the middleware's, so the middleware's credential would go there",
    fix: "give the entry its own client (`clientId` with a secret or key, an `apikey`, a trusted profile and its own `crTokenFile`), or point it at the middleware's token server",
  },
  {
    codes: ['ERR_MCA_INVALID_ACCEPT_REDIRECTS_FROM'],
    raisedAs: 'config',
    when: "a `protectedBackends` entry's `acceptRedirectsFrom` is not a list of other entries' names (`'*'`, an unknown name, its own name, more than 64)",
    fix: 'name each entry whose redirects this one accepts ([security.md](security.md))',
  },
  {
    family: 'ERR_MCA_REFUSED_AXIOS_<OPTION>',
    codes: [
      'ERR_MCA_REFUSED_AXIOS_TRANSPORT',
      'ERR_MCA_REFUSED_AXIOS_SOCKET_PATH',
      'ERR_MCA_REFUSED_AXIOS_LOOKUP',
      'ERR_MCA_REFUSED_AXIOS_HTTP_VERSION',
      'ERR_MCA_REFUSED_AXIOS_HTTP_2_OPTIONS',
    ],
    raisedAs: 'config',
    when: "a call through `req.mcaClient` (or `client.create()`, `client.defaults`, an interceptor) set an axios option that would move the request or its redirects below the token's guard; nothing is sent",
    fix: 'remove the option, or make that call with an axios instance of your own, which carries no token',
  },
  {
    codes: ['ERR_MCA_INVALID_TIMEOUT_MS'],
    raisedAs: 'config',
    when: "the CLI's `--timeout-ms` is not a whole number of milliseconds in range",
    fix: 'pass a number, e.g. `--timeout-ms 5000`',
  },
  {
    codes: ['ERR_MCA_STORE_CHECK'],
    raisedAs: 'oauth',
    when: '`npx express-mca-oauth check` could not write, read and delete a test key in the configured Redis',
    fix: 'the message says which step failed and the fix (URL, credentials, ACL, TLS)',
  },
  {
    codes: ['ERR_MCA_STORE_TIMEOUT'],
    raisedAs: 'store-event',
    when: 'a Redis command of the token store took longer than `storeTimeoutMs`; the process fetches by itself meanwhile (callers get their token)',
    fix: "look at Redis's latency, or raise `storeTimeoutMs`",
  },
  {
    codes: ['ERR_MCA_STORE_ROLLBACK'],
    raisedAs: 'store-event',
    when: 'Redis held an older token than this process has already seen (a restored backup, or a rollback); the value is refused and the process fetches by itself',
    fix: 'nothing, if the restore was intended; otherwise find who wrote the old value',
  },
  {
    codes: ['ERR_MCA_STORE_CONNECT_TIMEOUT'],
    raisedAs: 'store-event',
    when: "the Redis client did not finish connecting within `connectTimeoutMs` (`MCA_REDIS_CONNECT_TIMEOUT_MS`, 5 s, never past the caller's deadline); the process fetches by itself meanwhile",
    fix: 'check that Redis is up and reachable; the message names what to check per topology ([fleet.md](fleet.md))',
  },
  {
    codes: ['ERR_MCA_STORE_POISONED'],
    raisedAs: 'store-event',
    when: "the fleet's generation counter in Redis is not a number this fleet could have written (a writer without the fleet key); refused, never adopted, and replaced by the next write",
    fix: 'find who can write to Redis without the fleet key (ACLs)',
  },
  {
    codes: ['ERR_MCA_STORE_FOREIGN_KEY'],
    raisedAs: 'store-event',
    when: 'another process writes under a fleet key this process does not hold: the fleet is split in two (a rotation half done)',
    fix: 'give every process the same keys, in the order of the rotation procedure ([fleet.md](fleet.md))',
  },
  {
    codes: ['ERR_MCA_STORE'],
    raisedAs: 'store-event',
    when: "any other failure of the Redis token store (its `message` holds Redis's answer, cut to 200 characters)",
    fix: "the event's message says what Redis answered and, where one is known, the fix",
  },
  {
    codes: ['ERR_MCA_NO_SUBJECT_TOKEN'],
    raisedAs: 'subject',
    when: 'a call on behalf of the user (`onBehalfOf`) outside a request the middleware serves, or for a request without `Authorization: Bearer …`; the call was not sent',
    fix: 'authenticate the user before the route; make the call from the route (see [on-behalf-of.md](on-behalf-of.md))',
  },
  {
    codes: ['ERR_MCA_TOKEN_EXCHANGE_REFUSED'],
    raisedAs: 'token',
    when: "the token server answered the exchange of the user's token with 400, 401 or 403 (not `invalid_client`; `oauthError` says why, e.g. `invalid_grant`); the call was not sent",
    fix: "the user's token is expired or revoked, or the client may not exchange for this `audience` / `scope`",
  },
  {
    codes: ['ERR_MCA_EXCHANGE_TOKEN_TYPE'],
    raisedAs: 'token',
    when: "the exchange's answer has no `issued_token_type` (RFC 8693 requires it; Entra's `jwt-bearer` is exempt) or one that is not an access token or a JWT; the call was not sent",
    fix: "have the token server issue access tokens for this client's exchanges ([on-behalf-of.md](on-behalf-of.md))",
  },
  {
    codes: ['ERR_MCA_INVALID_ON_BEHALF_OF'],
    raisedAs: 'config',
    when: "`onBehalfOf` is not `true`, `false` or `{ grant: 'token-exchange' | 'jwt-bearer' }`, or is set on an IBM Cloud IAM token; the CLI's `--backend` names an `onBehalfOf` entry (the CLI has no user)",
    fix: 'fix the value the message names, or give the entry an OAuth client',
  },
  {
    codes: ['ERR_MCA_SHARED_CLIENT_PROPERTY'],
    raisedAs: 'config',
    when: "adding or removing an interceptor through a request's `req.mcaClient` (`axiosRetry(req.mcaClient)` in a route), replacing its `defaults` or `interceptors`, freezing it or changing its prototype: with `onBehalfOf` it is a view of `auth.client`, shared by every request; nothing was changed",
    fix: 'add interceptors and set `defaults` on `auth.client` once, at startup ([on-behalf-of.md](on-behalf-of.md#interceptors-and-retries))',
  },
  {
    codes: ['ERR_MCA_DPOP_NOT_BOUND'],
    raisedAs: 'token',
    when: '`dpop` is set but the token server answered a token whose `token_type` is not `DPoP` (a plain bearer token); no call was sent',
    fix: 'register the client for DPoP-bound tokens at the server, or remove `dpop` ([dpop.md](dpop.md))',
  },
  {
    codes: ['ERR_MCA_INVALID_DPOP', 'ERR_MCA_INVALID_DPOP_KEY', 'ERR_MCA_INVALID_DPOP_KEY_FILE'],
    raisedAs: 'config',
    when: '`dpop` (middleware or entry) is not `true` or `false`; a DPoP key that is not a P-256 private key',
    fix: 'fix the value the message names',
  },
  {
    codes: ['ERR_MCA_REFUSED_AXIOS_PROXY'],
    raisedAs: 'config',
    when: 'an explicit axios `proxy` off this machine for an `http:` request that carries the token; nothing is sent',
    fix: 'use `https://` for the back end, a proxy on loopback, or `proxy: false` for the call',
  },
];

export const WARNING_CODES: readonly WarningCodeEntry[] = [
  {
    code: 'MCA_UNKNOWN_OPTION',
    when: '`getAuthorizationHeader()` (the seed drop-in) got an option it does not know; it is ignored, as the seed ignored it',
    fix: 'fix or drop the key; `mcaOAuth()` and `createTokenProvider()` refuse it instead',
  },
  {
    code: 'MCA_REDIS_STORE',
    when: 'the Redis token store cannot use Redis for a reason with a known fix (wrong URL, credentials, ACL, Cluster or Sentinel)',
    fix: 'the warning gives the fix; each process fetches its own tokens meanwhile',
  },
  {
    code: 'MCA_REDIS_DEBUG_SILENCED',
    when: '`DEBUG` would turn on `ioredis:*`, which logs the Redis password; the package turned `ioredis:*` off',
    fix: "nothing; to see ioredis's own lines, set `DEBUG` without it and accept the risk",
  },
];
