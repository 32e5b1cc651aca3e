// The record one resolution produces (resolve-settings.ts): each setting's value and where it came
// from, and for a value that was not acceptable, the error its first reading throws. The
// derivations (endpoint, client authentication, IAM, tuning, the middleware's switches) read it.
import type { McaConfigError } from '../errors/mca-config-error';
import type { FieldScope } from '../errors/field-scope';
import type { EnvSource, ValueSource } from './env-source';
import type { VcapCredentials } from './vcap';
import type { CredentialField } from './credential-fields';

/** Where a resolved setting came from: a source of values, or the table's default. */
export type SettingSource = ValueSource | 'default';

/** One setting's value and where it came from. Never logged whole: the value may be a secret. */
export interface ResolvedSetting {
  /** A string (options of string kinds, every variable), a number, a boolean, or the option as given (keys, objects, functions). */
  value: unknown;
  source: SettingSource;
  /** Where exactly, for messages: "the `clientId` option", "MCA_SECRET in the environment", a VCAP path. */
  from: string;
  /** The option key, variable or VCAP path it was read from (none for an entry's own setting or a default). */
  name?: string;
}

/** A credential field's value and where it came from (a string from whichever source). */
export interface Found extends ResolvedSetting {
  value: string;
  source: ValueSource;
}

/** A setting whose value was not acceptable: its error, built for whoever's setting it turns out to be. */
interface Refused {
  setting: ResolvedSetting;
  problem: (scope: FieldScope) => McaConfigError;
}

/** One setting in the record: acceptable, or with the error reading it raises. */
export type SettingEntry = { setting: ResolvedSetting; problem?: undefined } | Refused;

/** The resolved settings of one provider (the middleware's, or a `protectedBackends` entry's). */
export interface ResolvedSettings {
  /** Whose settings these are, for every message about them. */
  readonly scope: FieldScope;
  /** The environment view they were read from (VCAP_SERVICES for Redis, the allowlist's variables). */
  readonly env: EnvSource;
  /** What the bound service gives; each resolution works on a copy of its own. */
  readonly vcap: VcapCredentials;
  /** The variables of the settings no option gives (the Redis store's MCA_REDIS_*), by variable name. */
  readonly variables: Readonly<Record<string, Found>>;
  /** The credential fields found, checked, in the table's order. */
  readonly found: Readonly<Partial<Record<CredentialField, Found>>>;
  /** A setting's value and origin, or undefined when it is not set and has no default; throws the error of a value that is not acceptable. */
  get(key: string): ResolvedSetting | undefined;
  /** A setting as given, acceptable or not, without its check (for rules that only ask whether it is set). */
  peek(key: string): ResolvedSetting | undefined;
}

/** What the overlay needs to keep of a resolution: the direct hits (options, variables) before the bound service fills the rest. */
export interface Resolution extends ResolvedSettings {
  readonly direct: Readonly<Partial<Record<CredentialField, Found>>>;
  readonly entries: Readonly<Record<string, SettingEntry>>;
}

/**
 * A refused setting's error, own property only: an entry is a plain object, and a `problem`
 * polluted onto Object.prototype must not make every acceptable setting throw.
 */
export function refusal(entry: SettingEntry | undefined): Refused['problem'] | undefined {
  return entry !== undefined && Object.hasOwn(entry, 'problem') ? entry.problem : undefined;
}

/** The record of one resolution, with its readers: the first read of a refused setting throws its error, built for the record's scope. */
export function settingsRecord(parts: Omit<Resolution, 'get' | 'peek'>): Resolution {
  const { entries, scope, found } = parts;
  return {
    ...parts,
    get(key) {
      const entry = entries[key];
      const problem = refusal(entry);
      if (problem !== undefined) throw problem(scope);
      return entry?.setting ?? found[key as CredentialField];
    },
    peek: (key) => entries[key]?.setting ?? found[key as CredentialField],
  };
}
