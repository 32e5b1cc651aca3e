// What a `protectedBackends` entry with a client of its own takes of the middleware's settings,
// declared by the groups of the settings table: the groups an entry's own client withholds, and
// the lists of settings that give an entry a client, its credential and its token server.
import { SETTINGS, keysOfGroups, type SettingGroup } from './settings-table';

const tokenSettings = SETTINGS.filter((row) => row.scope === 'provider' && row.entry);

/** Settings that give an entry an OAuth client of its own (`clientId`). */
export const OAUTH_IDENTITY: readonly string[] = tokenSettings.filter((row) => row.makesClient === 'oauth').map((row) => row.key);
/** Settings that give an entry an IAM client of its own: an API key, or a trusted profile to assume. */
export const IAM_IDENTITY: readonly string[] = tokenSettings.filter((row) => row.makesClient === 'iam').map((row) => row.key);
/** The credential an entry's own OAuth client must bring along with its `clientId`. */
export const CLIENT_CREDENTIALS: readonly string[] = tokenSettings.filter((row) => row.clientCredential).map((row) => row.key);
/** IAM's credential and its optional Basic client: they belong to one IAM client. */
export const IAM_CREDENTIAL: readonly string[] = keysOfGroups(['iam-client']);
/** What moves an entry's token server away from the middleware's: the one that wins first (`tokenUrl` over `oauthServerUrl` over `serverUrl`), then `iamUrl`. */
export const ENDPOINT_SETTINGS: readonly string[] = [...keysOfGroups(['oauth-endpoint']).reverse(), ...keysOfGroups(['iam-endpoint'])];
/** Strings resolved field by field and layered over the middleware's (`appId` among them); the rest go to the resolver as options. */
export const PER_FIELD: ReadonlySet<string> = new Set(tokenSettings.filter((row) => row.perField).map((row) => row.key));

/**
 * The groups an entry's own client withholds of the middleware's. An OAuth client of its own takes
 * none of the middleware's client authentication (a key-based method would otherwise sign for it
 * with the middleware's key) nor anything of IAM; an IAM client of its own takes nothing of the
 * OAuth client and its server, nor another IAM credential, but keeps `iamUrl`, and for a profile
 * the token file (the workload's identity, whatever profile it assumes; an API key needs none).
 * `scope` is inherited only from a middleware of the same kind: IAM's scopes mean nothing to an
 * OAuth server, and the other way round.
 */
const WITHHELD: Record<'oauth' | 'iam' | 'iam-apikey', readonly SettingGroup[]> = {
  oauth: ['client-auth', 'iam-client', 'iam-token-file', 'iam-endpoint'],
  iam: ['oauth-client', 'oauth-endpoint', 'oauth-request', 'client-auth', 'iam-client'],
  'iam-apikey': ['oauth-client', 'oauth-endpoint', 'oauth-request', 'client-auth', 'iam-client', 'iam-token-file'],
};

/** The keys of {@link WITHHELD}, from the table: without `scope`, and with it (a middleware of the other kind). */
const WITHHELD_KEYS = Object.fromEntries(
  Object.entries(WITHHELD).map(([kind, groups]) => [kind, [keysOfGroups(groups), keysOfGroups([...groups, 'scope'])]]),
) as Record<keyof typeof WITHHELD, [string[], string[]]>;

/** The middleware's settings an entry does not inherit, as its client is its own (none when it has none). */
export function withheldSettings(entry: Record<string, unknown>, mainIsIam: boolean): Set<string> {
  const set = (key: string): boolean => entry[key] !== undefined;
  const kind = IAM_IDENTITY.some(set) ? (set('apikey') ? 'iam-apikey' : 'iam') : OAUTH_IDENTITY.some(set) ? 'oauth' : undefined;
  if (kind === undefined) return new Set();
  const otherKind = kind === 'oauth' ? mainIsIam : !mainIsIam;
  return new Set(WITHHELD_KEYS[kind][otherKind ? 1 : 0]);
}
