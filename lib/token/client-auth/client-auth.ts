/**
 * The seam between "which grant, which client credentials" and the token endpoint. The endpoint
 * sends and parses; a {@link ClientAuth} says what to put in the request. One file per way of
 * authenticating a client, so the endpoint never grows an `if` per grant.
 */

/** What one token request carries for the client's authentication and grant. */
export interface ClientAuthRequest {
  /** Headers to add, e.g. `Authorization`. `Content-Type` and `Accept` are the endpoint's. */
  readonly headers: Readonly<Record<string, string>>;
  /** Form fields sent right after `grant_type`, in this order. */
  readonly form: ReadonlyArray<readonly [name: string, value: string]>;
}

/** What a method may need to build one request. */
export interface ClientAuthContext {
  /** The token endpoint URL (the default `aud` of a client assertion). */
  readonly tokenUrl: string;
  /** The provider's clock, epoch milliseconds. */
  readonly now: number;
}

/** A form field, name and value, before encoding. */
export type FormField = readonly [name: string, value: string];

/**
 * Orders and encodes the whole body of one token request from the method's grant type, its fields
 * and the configured tail (`scope`, `audience`, `resource`). A server family whose clients send
 * other bytes than the usual layout brings its own (IBM's IAM grants: see iam-grant.ts).
 */
export type FormLayout = (grantType: string, fields: readonly FormField[], tail: readonly FormField[]) => string;

/** One line of `express-mca-oauth check`. Never a secret, a key or a file's content. */
export interface ClientAuthDescription {
  readonly label: string;
  readonly value: string;
}

/**
 * One way of authenticating a client at a token endpoint. Implementations keep their secret in
 * private (`#`) fields, so `util.inspect` and `JSON.stringify` of the object show none of it.
 */
export interface ClientAuth {
  /** The method's name as the OAuth registries spell it (`client_secret_basic`, `private_key_jwt` …). */
  readonly method: string;
  /** What to check when the server refuses the client, e.g. "clientId and secret" (an error's fix). */
  readonly refusedHint: string;
  /** The `grant_type` form field, first in the body. */
  readonly grantType: string;
  /**
   * What tells this client's tokens apart from another's, for the cache key: hashes and
   * fingerprints, file paths, never a secret in clear.
   */
  readonly cacheKeyParts: readonly string[];
  /**
   * Builds the request's client part. Called for every attempt (a retry included): an assertion
   * is fresh each time, and a file is read again so a rotated key needs no restart. Static methods
   * return one shared object. A failure is a {@link McaConfigError} naming the file, never its content.
   */
  prepare(context: ClientAuthContext): ClientAuthRequest | Promise<ClientAuthRequest>;
  /**
   * The secret material the token store's encryption key is derived from (HKDF): whoever lacks
   * it cannot open the stored tokens. Never logged, never part of a key name.
   */
  storeKeyMaterial(): string;
  /** Lines for the CLI's `check`: the method, and fingerprints, subjects, expiries, paths. */
  describe(): ClientAuthDescription[];
  /**
   * How the body is laid out and encoded. Without one: `grant_type` first, then the method's
   * fields, then the tail, WHATWG `application/x-www-form-urlencoded` (what MCA, App ID and RFC
   * 6749 servers get).
   */
  readonly formLayout?: FormLayout;
}
