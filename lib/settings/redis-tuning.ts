// The Redis store's settings an operator tunes per deployment, as environment variables: the same
// names whether the store was built from MCA_REDIS_* or by code (`redisTokenStore(...)`).
import { invalid, MAX_TIMER_MS } from './option-checks';
import { storeVariable } from './settings-table';

/** The tunable store settings, each in ms. */
export interface RedisTuning {
  storeTimeoutMs?: number;
  connectTimeoutMs?: number;
  lockWaitMs?: number;
  backoffMs?: number;
}

const TUNED: readonly (keyof RedisTuning)[] = ['storeTimeoutMs', 'connectTimeoutMs', 'lockWaitMs', 'backoffMs'];

/** Each setting and the variable it falls back to, from the settings table. */
export const REDIS_TUNING_VARIABLES: Readonly<Record<keyof RedisTuning, string>> = Object.fromEntries(
  TUNED.map((field) => [field, storeVariable(field)]),
) as Record<keyof RedisTuning, string>;

/**
 * Reads the variables that are set; a value that is not a whole number of ms from 1 to the largest
 * timer delay is a config error naming the setting and the variable (a typo must not silently
 * keep the default).
 */
export function readRedisTuning(read: (name: string) => string | undefined): RedisTuning {
  const tuning: RedisTuning = {};
  for (const [field, variable] of Object.entries(REDIS_TUNING_VARIABLES) as [keyof RedisTuning, string][]) {
    const text = read(variable)?.trim();
    if (text === undefined || text === '') continue;
    const value = Number(text);
    if (!/^\d+$/.test(text) || value < 1 || value > MAX_TIMER_MS) {
      throw invalid(field, `it must be a whole number of milliseconds from 1 to ${MAX_TIMER_MS}.`, variable);
    }
    tuning[field] = value;
  }
  return tuning;
}
