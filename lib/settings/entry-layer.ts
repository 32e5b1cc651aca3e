// A `protectedBackends` entry's own settings as a layer over what the middleware's options,
// environment and bound service resolved: what the entry set replaces, what its own client
// withholds is taken out.
import type { CredentialField, Found } from './credential-fields';
import { checkForm } from './credential-fields';
import { optionOrigin, scopeOf } from './option-checks';
import { keysOfGroups } from './settings-table';
import type { VcapCredentials } from './vcap';

/** A `protectedBackends` entry's layer over the middleware's configuration (see resolveProviderConfig). */
export interface EntryLayer {
  /** The entry's own fields. */
  fields: Partial<Record<CredentialField, string>>;
  /** The middleware's settings the entry must not inherit, as its client is its own (entry-overlay.ts). */
  withheld: ReadonlySet<string>;
}

// The OAuth token server's settings, from the settings table.
const ENDPOINT_FIELDS = keysOfGroups(['oauth-endpoint']) as CredentialField[];

/**
 * A `protectedBackends` entry's own settings, over what the middleware's resolved. An entry that
 * names an endpoint names the whole of it: a `tokenUrl` or `oauthServerUrl` found elsewhere must
 * not outrank the `serverUrl` it set.
 */
export function layerEntry(found: Partial<Record<CredentialField, Found>>, vcap: VcapCredentials, entry: EntryLayer, options: Record<string, unknown>): void {
  // The caller took the withheld settings out of the options and the environment; a bound service's go here.
  for (const field of entry.withheld) delete found[field as CredentialField];
  // A bound service's API key is the middleware's IAM credential, never a client's of its own.
  if (entry.withheld.has('apikey')) delete vcap.apikey;
  if (ENDPOINT_FIELDS.some((field) => entry.fields[field] !== undefined)) for (const field of ENDPOINT_FIELDS) delete found[field];
  for (const [field, value] of Object.entries(entry.fields) as [CredentialField, string | undefined][]) {
    if (value === undefined) continue;
    found[field] = { value, source: 'protectedBackends', from: optionOrigin(options, field) };
    checkForm(field, found[field], scopeOf(options));
  }
}
