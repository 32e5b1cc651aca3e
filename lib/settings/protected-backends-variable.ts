import { McaConfigError } from '../errors/mca-config-error';
import type { EnvSource } from './env-source';

// `MCA_PROTECTED_BACKENDS`, read here; what its entries mean is the matcher's (lib/outbound/backend-matcher.ts).

/** `MCA_PROTECTED_BACKENDS`: comma-separated strings. */
export function parseProtectedBackendsEnv(value: string): string[] {
  return value
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
}

/**
 * `MCA_PROTECTED_BACKENDS` as a list, or undefined when unset. A variable that is present but
 * lists nothing (`MCA_PROTECTED_BACKENDS=`, a value that is only a comment in `.env`, `" , "`) is
 * an error, not "unset": an allowlist must never fail open on a typo.
 */
export function protectedBackendsVariable(env: EnvSource): string[] | undefined {
  const variable = env.getPresent('MCA_PROTECTED_BACKENDS');
  if (variable === undefined) return undefined;
  const entries = parseProtectedBackendsEnv(variable.value);
  if (entries.length === 0) {
    throw new McaConfigError(
      'ERR_MCA_INVALID_PROTECTED_BACKENDS',
      `Invalid \`protectedBackends\` (from MCA_PROTECTED_BACKENDS in ${variable.source === 'env' ? 'the environment' : 'the .env file'}): it is set but lists no back end. List them comma-separated; to send the token to every host, unset the variable.`,
      { field: 'protectedBackends' },
    );
  }
  return entries;
}
