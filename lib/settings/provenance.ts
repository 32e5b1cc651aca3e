// Where each resolved credential field came from, kept on the resolved configuration so that
// diagnostics (the CLI's `check`) say it without reading the environment a second time.
import type { ValueSource } from './env-source';
import type { CredentialField } from './credential-fields';
import type { Found } from './resolve-settings';
import type { VcapCredentials } from './vcap';
import { SETTINGS } from './settings-table';

/** One field's origin. Never a secret's value. */
export interface Provenance {
  source: ValueSource;
  /** The option key (`appId` for `tenantId`), the variable, or the VCAP path (`credentials.serverUrl`); none for an entry's own setting. */
  name?: string;
  /** The bound service's `name`, for a field from VCAP_SERVICES. */
  service?: string;
  /** The value as given, for the URL fields only (the configuration keeps just the token URL built from them). */
  raw?: string;
}

/** The fields whose value as given `check` shows: URLs that are not secret, from the table. */
const SHOWN_AS_GIVEN: ReadonlySet<string> = new Set(SETTINGS.filter((row) => row.kind === 'url' && !row.secret).map((row) => row.key));

export function provenanceOf(found: Partial<Record<CredentialField, Found>>, vcap: VcapCredentials): Partial<Record<CredentialField, Provenance>> {
  const result: Partial<Record<CredentialField, Provenance>> = {};
  for (const [field, hit] of Object.entries(found) as [CredentialField, Found][]) {
    const origin: Provenance = { source: hit.source };
    if (hit.name !== undefined) origin.name = hit.name;
    if (hit.source === 'VCAP_SERVICES' && vcap.serviceName !== undefined) origin.service = vcap.serviceName;
    if (SHOWN_AS_GIVEN.has(field)) origin.raw = hit.value;
    result[field] = origin;
  }
  return result;
}
