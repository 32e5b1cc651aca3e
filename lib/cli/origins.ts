// Where each setting `check` shows came from, worded for someone about to go and change it.
import { ENV_NAMES, envSourceFromOptions, type CredentialField, type ProviderConfig } from '../settings/resolve-config';
import { readVcap } from '../settings/vcap';
import { flagOf } from './arguments';
import type { ChosenEntry } from './config-for';

/** Where one field came from, and its value as given where `check` shows it (the URL fields). */
export interface Origin {
  where: string;
  raw?: string;
}

/**
 * Where each field came from, precisely enough to go and fix it: the flag, the variable (environment
 * or .env file), or the path inside VCAP_SERVICES / VCAP_APPLICATION. Also the raw value, for the
 * URL fields (ProviderConfig keeps only the token URL built from them). With `--backend`, a field
 * the entry sets itself comes from the entry (the resolver passes entry settings as options).
 */
export function origins(opts: Record<string, unknown>, config: ProviderConfig, entry?: ChosenEntry): Partial<Record<CredentialField, Origin>> {
  const env = envSourceFromOptions(opts);
  const result: Partial<Record<CredentialField, Origin>> = {};
  let vcap: ReturnType<typeof readVcap> | undefined;
  for (const [field, source] of Object.entries(config.sources) as [CredentialField, string][]) {
    if (source === 'protectedBackends') {
      // The resolver marks what the chosen entry set itself.
      const own = entry === undefined ? undefined : ownSetting(entry.settings, field);
      result[field] =
        entry === undefined || own === undefined
          ? { where: 'the --backend entry' }
          : { where: `${entry.label}.${own.key} in ${entry.file}`, raw: typeof own.value === 'string' ? own.value : undefined };
    } else if (source === 'option') {
      const raw = opts[field] ?? (field === 'tenantId' ? opts.appId : undefined);
      result[field] = { where: `flag ${flagOf(field)}`, raw: typeof raw === 'string' ? raw : undefined };
    } else if (source === 'env' || source === '.env') {
      const name = ENV_NAMES[field].find((n) => env.get(n)?.source === source);
      result[field] = { where: `${source === 'env' ? 'environment' : '.env file'} ${name ?? ''}`.trim(), raw: name ? env.get(name)?.value : undefined };
    } else if (source === 'VCAP_SERVICES') {
      vcap ??= readVcap(
        env,
        config.sources.serviceName === undefined ? undefined : ((opts.serviceName as string | undefined) ?? env.get('MCA_SERVICE_NAME')?.value),
      );
      const raw = vcap[field as keyof typeof vcap];
      result[field] = { where: `VCAP_SERVICES (service "${vcap.serviceName ?? '?'}") credentials.${field}`, raw };
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
