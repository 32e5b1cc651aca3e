// Which configuration a command uses: the default one, or the one of the back end `--backend` names.
import { readBackendList, resolveBackends } from '../config/resolve-backends';
import { envSourceFromOptions, resolveProviderConfig, type ProviderConfig } from '../config/resolve-config';
import { McaConfigError } from '../errors/mca-config-error';

/**
 * The configuration to use: the default one, or with `--backend NAME` that entry's, resolved by
 * the same rules as the middleware (its own settings over the default ones).
 */
export function configFor(opts: Record<string, unknown>, backend: string | undefined, file: string | undefined): ProviderConfig {
  if (backend === undefined) return resolveProviderConfig(opts);
  const env = envSourceFromOptions(opts);
  const list = readBackendList(file === undefined ? {} : { protectedBackendsFile: file }, env) ?? [];
  const entry = resolveBackends(list, opts, env).find((b) => b.name === backend);
  if (entry === undefined) {
    throw new McaConfigError(
      'ERR_MCA_UNKNOWN_BACKEND',
      'No protected back end has that name. Name entries (`"name": "billing"`) in the JSON file given by --backends-file or MCA_PROTECTED_BACKENDS_FILE.',
      { field: 'backend' },
    );
  }
  return entry.config ?? resolveProviderConfig(opts, env);
}
