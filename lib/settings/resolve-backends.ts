import { types } from 'node:util';
import type { BackendMatcher } from './options';
import { capped } from '../errors/echo';
import { suggest } from './known-options';
import { ENTRY_KEYS } from './settings-table';
import type { ProviderConfig } from './resolve-config';
import type { ResolvedSettings } from './resolve-settings';
import type { BackendList } from './read-backend-list';
import { entryError, resolveEntryToken, type EntryPlace } from './resolve-entry-token';
import { readOnBehalfOf, type OnBehalfOfMode } from './resolve-on-behalf-of';

/** One `protectedBackends` entry, validated, with its own token configuration resolved. */
export interface ResolvedBackend {
  /** Its place in the list, as errors and debug lines name it: `protectedBackends[2]`. */
  index: number;
  name: string | undefined;
  match: BackendMatcher;
  /** The list gave an object (`{ match, … }`), whose errors name its `match`, not a bare string or RegExp. */
  isObject: boolean;
  /** Its own token configuration, or undefined when it uses the middleware's own. */
  config: ProviderConfig | undefined;
  /** Names of the entries whose redirects into this one carry its token. */
  acceptRedirectsFrom: readonly string[];
  /** The entry's own `onBehalfOf`, or undefined to take the middleware's. */
  onBehalfOf: OnBehalfOfMode | undefined;
  /** The entry's own `dpop`, or undefined to take the middleware's. */
  dpop: boolean | undefined;
}

/** Bounds the list: each name is checked at startup, and each redirect hop reads a set. */
const MAX_ACCEPTED = 64;
const NAME = /^[A-Za-z0-9._-]{1,64}$/;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Validates every entry and resolves the token configuration of each entry that sets token
 * settings, through the same resolution as the middleware's own (`options` and `env`; `main` is
 * what they resolved to), so each entry gets the same validation and the same fallbacks; an error
 * names the entry's field, e.g. `protectedBackends[2].secret`, and where the list came from.
 * Nothing is half-applied: the first error throws.
 */
export function resolveBackends(list: BackendList, settings: ResolvedSettings, main: ProviderConfig): ResolvedBackend[] {
  const names = new Set<string>();
  const resolved = list.items.map((item, index): ResolvedBackend => {
    // A real RegExp only: an object that merely inherits from RegExp.prototype passes `instanceof`
    // and then throws a bare TypeError from `source`; here it is an entry that is no plain object.
    if (typeof item === 'string' || types.isRegExp(item))
      return { index, name: undefined, match: item, isObject: false, config: undefined, acceptRedirectsFrom: [], onBehalfOf: undefined, dpop: undefined };
    const place: EntryPlace = { index, listFrom: list.from };
    if (!isPlainObject(item)) {
      throw entryError(
        place,
        undefined,
        'ERR_MCA_INVALID_PROTECTED_BACKENDS',
        'it must be a string (origin or URL prefix), a RegExp, or an object with `match`.',
      );
    }
    // Own properties only: nothing polluted onto Object.prototype can become a setting.
    const entry = Object.assign(Object.create(null) as Record<string, unknown>, item);
    for (const key of Object.keys(entry)) {
      if (!ENTRY_KEYS.has(key)) {
        const hint = suggest(key, ENTRY_KEYS);
        throw entryError(
          place,
          // As the top level echoes an unknown option: a key can be anything, of any length.
          capped(key, 60),
          'ERR_MCA_UNKNOWN_OPTION',
          // Every key an entry takes, from the table: the list once named only the token settings and
          // left out `acceptRedirectsFrom`, `onBehalfOf` and `dpop`.
          `${hint === undefined ? '' : `did you mean \`${hint}\`? `}An entry takes ${[...ENTRY_KEYS].map((key) => `\`${key}\``).join(', ')}.`,
        );
      }
    }
    const match = entry.match;
    if (typeof match !== 'string' && !types.isRegExp(match)) {
      throw entryError(place, 'match', 'ERR_MCA_INVALID_PROTECTED_BACKENDS', 'it must be an origin or URL prefix (string) or a RegExp.');
    }
    const name = entry.name;
    if (name !== undefined) {
      if (typeof name !== 'string' || !NAME.test(name) || name === 'default') {
        throw entryError(
          place,
          'name',
          'ERR_MCA_INVALID_BACKEND_NAME',
          'it must be 1–64 letters, digits, ".", "_" or "-", and not "default" (the middleware\'s own token).',
        );
      }
      if (names.has(name)) throw entryError(place, 'name', 'ERR_MCA_INVALID_BACKEND_NAME', `"${name}" names another entry too. Names must be unique.`);
      names.add(name);
    }
    const accepted = acceptedNames(entry.acceptRedirectsFrom, place);
    const onBehalfOf = entry.onBehalfOf === undefined ? undefined : readOnBehalfOf(entry.onBehalfOf, `protectedBackends[${index}].onBehalfOf`, list.from);
    const dpop = entry.dpop;
    if (dpop !== undefined && typeof dpop !== 'boolean') throw entryError(place, 'dpop', 'ERR_MCA_INVALID_DPOP', 'it must be true or false.');
    return { index, name, match, isObject: true, config: resolveEntryToken(entry, place, settings, main), acceptRedirectsFrom: accepted, onBehalfOf, dpop };
  });
  // Once every name is known: a name that is no entry's (a typo) or this entry's own is an error.
  for (const backend of resolved) {
    for (const from of backend.acceptRedirectsFrom) {
      if (names.has(from) && from !== backend.name) continue;
      const place: EntryPlace = { index: backend.index, listFrom: list.from };
      const fix =
        from === backend.name
          ? `it names this entry itself; redirects within one entry always carry its token. Remove "${from}".`
          : `"${from}" is not the \`name\` of any entry. Name the entries (\`name: '${from}'\`) whose redirects this one accepts.`;
      throw entryError(place, 'acceptRedirectsFrom', 'ERR_MCA_INVALID_ACCEPT_REDIRECTS_FROM', fix);
    }
  }
  return resolved;
}

/**
 * `acceptRedirectsFrom`: entry names only. `'*'` is refused: accepting every entry's redirects
 * would make this back end as trusted as the least trusted one (the rule this option exists to
 * keep), and a later entry added to the list would be trusted without anyone deciding so.
 */
function acceptedNames(value: unknown, place: EntryPlace): readonly string[] {
  if (value === undefined) return [];
  const invalidList = (fix: string): Error => entryError(place, 'acceptRedirectsFrom', 'ERR_MCA_INVALID_ACCEPT_REDIRECTS_FROM', fix);
  if (!Array.isArray(value) || value.length > MAX_ACCEPTED) {
    throw invalidList(`it must be an array of at most ${MAX_ACCEPTED} entry names, e.g. \`acceptRedirectsFrom: ['partner']\`.`);
  }
  for (const name of value as unknown[]) {
    if (name === '*') {
      throw invalidList(
        "`'*'` is not allowed: it would let every entry's redirects carry this entry's token, making it as trusted as the least trusted back end. List the names of the entries it trusts.",
      );
    }
    if (typeof name !== 'string' || !NAME.test(name)) throw invalidList('each item must be the `name` of another entry (letters, digits, ".", "_" or "-").');
  }
  return [...new Set(value as string[])];
}
