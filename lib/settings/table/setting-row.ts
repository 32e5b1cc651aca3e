// The shape of one row of the settings table: everything the package says about a setting in one
// place (its option key, variables, VCAP paths, kind, default, secrecy, group, whether a
// `protectedBackends` entry may set it, the CLI flag and the line of documentation).

/**
 * What a setting is about. A `protectedBackends` entry with a client of its own withholds whole
 * groups of the middleware's settings (see entry-overlay.ts), so a setting's group decides what an
 * entry inherits.
 */
export type SettingGroup =
  /** The OAuth client's identity: `clientId`, `tenantId`. */
  | 'oauth-client'
  /** How the OAuth client authenticates: its secret, key, certificate, assertion file … */
  | 'client-auth'
  /** Where the OAuth token server is. */
  | 'oauth-endpoint'
  /** What an OAuth token is requested for (`audience`, `resource`). */
  | 'oauth-request'
  /** The scope, which both kinds of client send. */
  | 'scope'
  /** An IBM Cloud IAM client: its API key or trusted profile, and IAM's optional Basic client. */
  | 'iam-client'
  /** The compute-resource token file a trusted profile is assumed with. */
  | 'iam-token-file'
  /** Where IBM Cloud IAM is. */
  | 'iam-endpoint'
  /** Where the other settings are read: the environment, `.env`, the bound service. */
  | 'sources'
  /** Caching, timeouts and retries of token requests. */
  | 'tuning'
  /** Where tokens are kept, and the clock. */
  | 'store'
  /** Where the token is sent, and how calls to back ends behave. */
  | 'outbound'
  /** Tokens exchanged on behalf of the end user. */
  | 'on-behalf-of'
  /** DPoP-bound tokens. */
  | 'dpop'
  /** The Redis token store. */
  | 'redis'
  /** A `protectedBackends` entry's own keys (`match`, `name`, `acceptRedirectsFrom`). */
  | 'entry';

/** The form a value must have. */
export type SettingKind = 'string' | 'url' | 'enum' | 'number' | 'boolean' | 'list' | 'file' | 'key material' | 'object' | 'function' | 'matcher';

/** Bounds of a number setting, as the resolver checks them. */
export interface NumberBounds {
  integer?: boolean;
  min: number;
  minExclusive?: boolean;
  max?: number;
}

/** A setting the CLI takes as a flag: `--` and the key in kebab case. */
export interface FlagSpec {
  /** The value's placeholder in `--help`: `<url>`. */
  arg: string;
  /**
   * Said in `--help` after the variables (with its leading space or colon), or instead of them when
   * there are none. `{env:privateKey}` stands for that setting's variable.
   */
  note?: string;
  /** A `--no-…` flag that turns the setting off, and what `--help` says of it. */
  negation?: string;
  /** The flag's text is a whole number (the option is a number). */
  integer?: boolean;
}

/** What a row declares; the key and the options type it belongs to come from where it is listed. */
export interface SettingSpec {
  group: SettingGroup;
  kind: SettingKind;
  /** One line of documentation, for the reference in docs/configuration.md. */
  doc: string;
  /** The variables it falls back to, first found wins. */
  env?: readonly string[];
  /** Where a bound service (or the application) gives it. */
  vcap?: readonly string[];
  /** The default, as the reference shows it. */
  default?: string;
  /** The default value the resolver (or the Redis store) uses, for numbers, booleans and the store's prefix. */
  fallback?: number | boolean | string;
  bounds?: NumberBounds;
  /** The values an enum takes. */
  values?: readonly string[];
  /** Never echoed: not in messages, logs, `check` or the docs' examples. */
  secret?: boolean;
  flag?: FlagSpec;
  /** Not part of the documented interface. */
  internal?: boolean;
  /** A string resolved field by field (option, variable, `.env`, VCAP) by the credential resolver. */
  perField?: boolean;
  /** Another name of that setting (`appId` of `tenantId`). */
  synonymOf?: string;
  /** On a `protectedBackends` entry, it gives the entry a client of its own, of this kind. */
  makesClient?: 'oauth' | 'iam';
  /** The credential an OAuth client of an entry's own must bring along with its `clientId`. */
  clientCredential?: boolean;
  /**
   * The resolution pass takes it as given and the code that builds from it checks it (key
   * material, the on-behalf-of mode, the sources); kinds `object`, `function`, `list` and
   * `matcher` always are.
   */
  checkedWhereUsed?: boolean;
  /**
   * Its variables are read where it is used, not by the pass: the allowlist's (a variable that is
   * present but empty is an error there, not "unset") and the sources (they say where the others are read).
   */
  variablesReadWhereUsed?: boolean;
}

/** Which options object a setting belongs to. */
export type SettingScope =
  /** `createTokenProvider()`, `getAuthorizationHeader()` and the middleware. */
  | 'provider'
  /** `mcaOAuth()` only. */
  | 'middleware'
  /** A `protectedBackends` entry only. */
  | 'entry'
  /** `redisTokenStore()` (and its variables, read by the middleware and the provider). */
  | 'store'
  /** A variable with no option behind it. */
  | 'variable';

/** One row of the settings table. */
export interface SettingRow extends SettingSpec {
  /** The option key (for a variable-only setting, a name for it). */
  key: string;
  scope: SettingScope;
  /** A `protectedBackends` entry may set it. */
  entry: boolean;
}
