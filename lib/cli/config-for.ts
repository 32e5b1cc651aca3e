// Which configuration a command uses: the default one, or the one of the back end `--backend` names.
import { readBackendList, readBackendsFile } from '../settings/read-backend-list';
import { resolveBackends } from '../settings/resolve-backends';
import { deriveProviderConfig, type ProviderConfig } from '../settings/resolve-config';
import { resolveSettings } from '../settings/resolve-settings';
import { variablesOf } from '../settings/settings-table';
import { McaConfigError } from '../errors/mca-config-error';

/** The `--backend` entry a configuration came from: what it sets itself, and how to name it. */
export interface ChosenEntry {
  /** `protectedBackends[1]`: with a field and {@link file}, where `check` says a setting came from. */
  label: string;
  /** The JSON file, as the flag or MCA_PROTECTED_BACKENDS_FILE gave it. */
  file: string;
  /** The entry's own settings, as written in the file. */
  settings: Record<string, unknown>;
}

/**
 * The configuration to use: the default one, or with `--backend NAME` that entry's, resolved by
 * the same rules as the middleware (its own settings over the default ones).
 */
export function configFor(
  opts: Record<string, unknown>,
  backend: string | undefined,
  file: string | undefined,
): { config: ProviderConfig; entry?: ChosenEntry } {
  const resolved = resolveSettings(opts, 'provider');
  if (backend === undefined) return { config: deriveProviderConfig(resolved) };
  // The middleware's own configuration must resolve, as for the middleware: entries build on it.
  const main = deriveProviderConfig(resolved);
  // The flags are the provider's options: the list comes from the variables, or the file the flag names.
  const list = (file === undefined ? readBackendList(resolved) : readBackendsFile(file, '--backends-file')) ?? { items: [], from: '' };
  const entry = resolveBackends(list, resolved, main).find((b) => b.name === backend);
  if (entry === undefined) {
    throw new McaConfigError(
      'ERR_MCA_UNKNOWN_BACKEND',
      'No protected back end has that name. Name entries (`"name": "billing"`) in the JSON file given by --backends-file or MCA_PROTECTED_BACKENDS_FILE.',
      { field: 'backend' },
    );
  }
  if (entry.onBehalfOf !== undefined && entry.onBehalfOf !== false) {
    // Its token exists only for an end user's request: the app's own token for that entry would be
    // one the middleware never sends there.
    throw new McaConfigError(
      'ERR_MCA_INVALID_ON_BEHALF_OF',
      `The entry "${backend}" is called on behalf of end users (\`onBehalfOf\`): its token is exchanged from a user's token during a request, which the CLI does not have. Try the exchange from the app, or name an entry without \`onBehalfOf\`.`,
      { field: 'backend' },
    );
  }
  // The file is named as given (flag or variable): the user's own spelling of where to look.
  const from =
    file ??
    variablesOf('protectedBackendsFile')
      .map((name) => resolved.env.get(name)?.value)
      .find((v) => v !== undefined) ??
    'the backends file';
  const settings = list.items[entry.index] as Record<string, unknown>;
  return {
    config: entry.config ?? main,
    entry: { label: `protectedBackends[${entry.index}]`, file: from, settings },
  };
}
