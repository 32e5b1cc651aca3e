import { McaConfigError } from '../errors/mca-config-error';
import type { McaOAuthOptions, TokenProviderOptions } from '../options';

// A Record over every key makes the compiler fail when an option is added to the types but not
// here, so the unknown-option check can never reject a documented option.
type KeysEnum<T> = { [K in keyof Required<T>]: true };

const providerKeys: KeysEnum<TokenProviderOptions> = {
  clientId: true,
  secret: true,
  tenantId: true,
  appId: true,
  serverUrl: true,
  oauthServerUrl: true,
  tokenUrl: true,
  scope: true,
  audience: true,
  resource: true,
  clientAuth: true,
  serviceName: true,
  envFile: true,
  env: true,
  cacheSize: true,
  refreshSkewSeconds: true,
  defaultExpiresIn: true,
  maxTokenLifetimeSeconds: true,
  refreshWindowSeconds: true,
  timeoutMs: true,
  deadlineMs: true,
  retries: true,
  retryBaseMs: true,
  retryMaxMs: true,
  retryAfterMaxMs: true,
  failureCooldownMs: true,
  store: true,
  now: true,
};

const middlewareKeys: KeysEnum<McaOAuthOptions> = { ...providerKeys, axios: true, protectedBackends: true, protectedBackendsFile: true, retryOn401: true, retryOn401MinIntervalMs: true };

export const PROVIDER_OPTION_KEYS: ReadonlySet<string> = new Set(Object.keys(providerKeys));
export const MIDDLEWARE_OPTION_KEYS: ReadonlySet<string> = new Set(Object.keys(middlewareKeys));

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      row[j] = Math.min(above + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length]!;
}

function suggest(key: string, known: ReadonlySet<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of known) {
    const d = candidate.toLowerCase() === key.toLowerCase() ? 0 : distance(key, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/** Rejects anything but a plain object of known keys, helmet-style, with a suggestion for typos. */
export function checkOptionKeys(options: unknown, known: ReadonlySet<string>, factory: string): Record<string, unknown> {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new McaConfigError('ERR_MCA_INVALID_OPTIONS', `${factory}() takes an options object (or nothing).`, {
      field: 'options',
    });
  }
  for (const key of Object.keys(options)) {
    if (!known.has(key)) {
      const hint = suggest(key, known);
      throw new McaConfigError(
        'ERR_MCA_UNKNOWN_OPTION',
        `${factory}() received an unsupported option \`${key}\`.${hint ? ` Did you mean \`${hint}\`?` : ''} See the README for the list.`,
        { field: key },
      );
    }
  }
  return options as Record<string, unknown>;
}
