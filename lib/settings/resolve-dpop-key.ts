import { parsePrivateKey, readMaterialFileSync } from '../token/client-auth/key-material';
import { DpopKey } from '../token/dpop/dpop-key';
import { McaConfigError } from '../errors/mca-config-error';
import type { ResolvedSettings } from './resolve-settings';

// The key parser and the key name the setting the key came from, so no message needs rewriting.
function load(read: () => string | unknown, origin: string, field: 'dpopKey' | 'dpopKeyFile'): DpopKey {
  return new DpopKey(parsePrivateKey(read(), origin, undefined, field), field);
}

/**
 * The DPoP key a fleet shares (`dpopKey`, `dpopKeyFile`, or their variables), read
 * once at startup: processes with the same key can share bound tokens through the store (the cache
 * key names its thumbprint). Undefined when none is configured: the middleware makes its own.
 */
export function resolveDpopKey(settings: ResolvedSettings): DpopKey | undefined {
  const key = settings.peek('dpopKey');
  const path = settings.peek('dpopKeyFile');
  // Given in code; a variable is read only when neither is.
  const value = key?.source === 'option' ? key.value : undefined;
  const file = path?.source === 'option' ? path.value : undefined;
  if (value !== undefined && file !== undefined) {
    throw new McaConfigError('ERR_MCA_CONFLICTING_OPTIONS', 'Both `dpopKey` and `dpopKeyFile` are set. Pass only one of them.', { field: 'dpopKey' });
  }
  if (value !== undefined) return load(() => value, 'the `dpopKey` option', 'dpopKey');
  if (file !== undefined) {
    if (typeof file !== 'string' || file === '') {
      throw new McaConfigError('ERR_MCA_INVALID_DPOP_KEY_FILE', 'Invalid `dpopKeyFile`: it must be a file path.', { field: 'dpopKeyFile' });
    }
    return load(() => readMaterialFileSync('dpopKeyFile', file), `file ${file}`, 'dpopKeyFile');
  }
  if (key !== undefined) return load(() => key.value, key.from, 'dpopKey');
  if (path !== undefined) {
    const named = (path.value as string).trim();
    return load(() => readMaterialFileSync('dpopKeyFile', named), `file ${named} (${path.from})`, 'dpopKeyFile');
  }
  return undefined;
}
