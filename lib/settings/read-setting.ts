// The one reader of "option, then variable": a setting's option if passed, else the first of the
// settings table's variables for it that is set (environment, then `.env`), with where it came from.
// The credential fields, the key material, IAM's settings and the switches all read through it.
import { describeVariable, type EnvSource, type ValueSource } from './env-source';
import { invalid, numberOption, optionOrigin, optionalString, ownValue, parseBooleanVariable, scopeOf } from './option-checks';
import { optionRow, variablesOf } from './settings-table';

/** A setting's value and where it came from. */
export interface SettingValue {
  value: string;
  source: ValueSource;
  /** Where exactly, for messages: "the `clientId` option", "MCA_SECRET in the environment", a VCAP path. */
  from: string;
  /** The option key, variable or VCAP path it was read from (none for an entry's own setting). */
  name?: string;
}

/** The option (a non-empty string), else the setting's first variable that is set. */
export function readSetting(options: Record<string, unknown>, env: EnvSource, key: string): SettingValue | undefined {
  const option = optionalString(options, key);
  if (option !== undefined) return { value: option, source: 'option', from: optionOrigin(options, key), name: key };
  return readVariable(env, key);
}

/** The setting's first variable that is set (environment, then `.env`), ignoring the option. */
export function readVariable(env: EnvSource, key: string): SettingValue | undefined {
  for (const name of variablesOf(key)) {
    const found = env.get(name);
    if (found !== undefined) return { ...found, from: describeVariable(env, name, found), name };
  }
  return undefined;
}

/** A boolean setting: the option (true or false), else its variable (`true`/`false`, `1`/`0`), else the table's default. */
export function readBoolean(options: Record<string, unknown>, env: EnvSource, key: string): boolean {
  const option = ownValue(options, key);
  if (option !== undefined) {
    if (typeof option !== 'boolean') throw invalid(key, 'it must be true or false.', undefined, scopeOf(options));
    return option;
  }
  const variable = readVariable(env, key);
  if (variable !== undefined) return parseBooleanVariable(key, variable.value.trim(), variable.from, scopeOf(options));
  return optionRow(key)?.fallback === true;
}

/** A number option, checked against the table's bounds, or the table's default when it is not passed. */
export function readNumber(options: Record<string, unknown>, key: string): number {
  const row = optionRow(key);
  const bounds = row?.bounds ?? { min: 0 };
  return numberOption(options, key, typeof row?.fallback === 'number' ? row.fallback : 0, bounds);
}
