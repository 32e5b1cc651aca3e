import { McaConfigError } from '../errors/mca-config-error';
import { ownOptions, suggest } from '../settings/known-options';
import { capped } from '../errors/echo';

// Keys already warned about, process-wide. Bounded: a caller that invents keys forever stops
// getting warnings instead of growing this set.
const warned = new Set<string>();
const MAX_WARNED = 100;

/**
 * The seed SDK ignored options it did not know, so its callers pass extra keys (e.g. `method`).
 * The seed-compatible functions accept them too, with one `process.emitWarning` per unknown key
 * and process; `mcaOAuth()` and `createTokenProvider()` stay strict.
 */
export function lenientOptions(options: unknown, known: ReadonlySet<string>, fn: string): Record<string, unknown> {
  if (options === undefined || options === null) return {};
  if (typeof options !== 'object' || Array.isArray(options)) {
    throw new McaConfigError('ERR_MCA_INVALID_OPTIONS', `${fn}() takes an options object (or nothing).`, { field: 'options' });
  }
  for (const key of Object.keys(options)) {
    if (known.has(key) || warned.has(key) || warned.size >= MAX_WARNED) continue;
    warned.add(key);
    const hint = suggest(key, known);
    const shown = capped(key, 60);
    process.emitWarning(
      `${fn}() ignores the unknown option \`${shown}\`, as bms-mca-oauth-sdk did.${hint ? ` Did you mean \`${hint}\`?` : ''} (Warned once per option.)`,
      { type: 'McaOAuthWarning', code: 'MCA_UNKNOWN_OPTION' },
    );
  }
  // As the strict check does: a copy of the caller's own properties, so nothing a polluted
  // Object.prototype holds is read as an option.
  return ownOptions(options as Record<string, unknown>);
}
