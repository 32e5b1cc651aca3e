// The rows of the middleware's own settings (McaOAuthOptions beyond the provider's) and of the keys
// only a `protectedBackends` entry has.
import type { BackendEntry, McaOAuthOptions, TokenProviderOptions } from '../options';
import type { RowsOf } from './credential-rows';

export const MIDDLEWARE_ROWS: RowsOf<Omit<McaOAuthOptions, keyof TokenProviderOptions>, BackendEntry> = {
  axios: { group: 'outbound', kind: 'object', entry: false, default: '`{}`', doc: 'Config of the axios instance `req.mcaClient`.' },
  protectedBackends: {
    variablesReadWhereUsed: true,
    group: 'outbound',
    kind: 'list',
    entry: false,
    env: ['MCA_PROTECTED_BACKENDS'],
    default: 'every `https:` (and loopback `http:`) request',
    doc: 'Where the token may be sent: origins, URL prefixes, RegExps or entries with settings of their own; the variable is comma-separated.',
  },
  protectedBackendsFile: {
    variablesReadWhereUsed: true,
    group: 'outbound',
    kind: 'file',
    entry: false,
    env: ['MCA_PROTECTED_BACKENDS_FILE'],
    doc: 'A JSON file holding `protectedBackends`, entry settings included (never from variables).',
  },
  retryOn401: { group: 'outbound', kind: 'boolean', entry: false, fallback: true, doc: 'Replay a request once, with a new token, after a 401.' },
  retryOn401MinIntervalMs: {
    group: 'outbound',
    kind: 'number',
    entry: false,
    fallback: 5_000,
    bounds: { min: 0 },
    doc: 'A token a 401 replaced this recently is not dropped again.',
  },
  onBehalfOf: {
    checkedWhereUsed: true,
    group: 'on-behalf-of',
    kind: 'enum',
    entry: true,
    values: ['true', "{ grant: 'token-exchange' }", "{ grant: 'jwt-bearer' }"],
    default: '`false`',
    doc: "Exchange the incoming request's bearer token for one on behalf of the user.",
  },
  onBehalfOfCacheSize: {
    group: 'on-behalf-of',
    kind: 'number',
    entry: false,
    fallback: 1_000,
    bounds: { integer: true, min: 1 },
    doc: 'Exchanged tokens kept per entry (one per user).',
  },
  dpop: { group: 'dpop', kind: 'boolean', entry: true, fallback: false, doc: 'DPoP-bound tokens (RFC 9449).' },
  dpopKey: {
    checkedWhereUsed: true,
    group: 'dpop',
    kind: 'key material',
    entry: false,
    secret: true,
    env: ['MCA_DPOP_KEY'],
    default: 'a new key per middleware',
    doc: "A fleet's shared DPoP key (P-256: PEM, JWK or `KeyObject`).",
  },
  dpopKeyFile: { checkedWhereUsed: true, group: 'dpop', kind: 'file', entry: false, env: ['MCA_DPOP_KEY_FILE'], doc: 'A file holding `dpopKey`.' },
};

export const ENTRY_ONLY_ROWS: RowsOf<Omit<BackendEntry, keyof McaOAuthOptions>, BackendEntry> = {
  match: { group: 'entry', kind: 'matcher', entry: true, default: 'required', doc: 'Where the entry applies: an origin or URL prefix, or a RegExp.' },
  name: { group: 'entry', kind: 'string', entry: true, doc: 'Names the entry in `req.mcaAuth(name)`, the CLI, events and stats.' },
  acceptRedirectsFrom: {
    group: 'entry',
    kind: 'list',
    entry: true,
    default: '`[]`',
    doc: "The entries whose redirects into this one carry this entry's token.",
  },
};
