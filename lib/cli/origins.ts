// Where each setting `check` shows came from, worded for someone about to go and change it.
import type { CredentialField, ProviderConfig } from '../settings/resolve-config';
import { flagOf } from './arguments';
import type { ChosenEntry } from './config-for';

/** Where one field came from, and its value as given where `check` shows it (the URL fields). */
export interface Origin {
  where: string;
  raw?: string;
}

/**
 * Where each field came from, precisely enough to go and fix it: the flag, the variable (environment
 * or .env file), or the path inside VCAP_SERVICES / VCAP_APPLICATION, as the resolver recorded it
 * (`config.provenance`). With `--backend`, a field the entry sets itself comes from the entry.
 */
export function origins(config: ProviderConfig, entry?: ChosenEntry): Partial<Record<CredentialField, Origin>> {
  const result: Partial<Record<CredentialField, Origin>> = {};
  for (const [field, origin] of Object.entries(config.provenance) as [CredentialField, NonNullable<ProviderConfig['provenance'][CredentialField]>][]) {
    const { source, name, raw } = origin;
    if (source === 'protectedBackends') {
      // The resolver marks what the chosen entry set itself.
      const own = entry === undefined ? undefined : ownSetting(entry.settings, field);
      result[field] =
        entry === undefined || own === undefined
          ? { where: 'the --backend entry' }
          : { where: `${entry.label}.${own.key} in ${entry.file}`, raw: typeof own.value === 'string' ? own.value : undefined };
    } else if (source === 'option') {
      result[field] = { where: `flag ${flagOf(field)}`, raw };
    } else if (source === 'env' || source === '.env') {
      result[field] = { where: `${source === 'env' ? 'environment' : '.env file'} ${name ?? ''}`.trim(), raw };
    } else if (source === 'VCAP_SERVICES') {
      result[field] = { where: `VCAP_SERVICES (service "${origin.service ?? '?'}") credentials.${field}`, raw };
    } else if (source === 'VCAP_APPLICATION') {
      result[field] = { where: 'VCAP_APPLICATION application_id' };
    } else {
      result[field] = { where: source };
    }
  }
  return result;
}

/** The entry's own value for a field (`appId` stands for `tenantId`, as everywhere). */
function ownSetting(settings: Record<string, unknown>, field: CredentialField): { key: string; value: unknown } | undefined {
  for (const key of field === 'tenantId' ? ['tenantId', 'appId'] : [field]) {
    if (Object.hasOwn(settings, key) && settings[key] !== undefined) return { key, value: settings[key] };
  }
  return undefined;
}
