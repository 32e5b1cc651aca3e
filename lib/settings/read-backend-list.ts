import { readFileSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { McaConfigError } from '../errors/mca-config-error';
import { capped } from '../errors/echo';
import { emptyListError } from '../outbound/backend-matcher';
import { protectedBackendsVariable } from './protected-backends-variable';
import { variablesOf } from './settings-table';
import type { ResolvedSettings } from './resolve-settings';

// The variables, from the settings table (a present-but-empty one is an error here, not "unset").
const [FILE_VARIABLE] = variablesOf('protectedBackendsFile') as [string];
const [LIST_VARIABLE] = variablesOf('protectedBackends') as [string];

/** The `protectedBackends` list as given, and where it came from. */
export interface BackendList {
  items: readonly unknown[];
  /** Where the list came from, for messages: "the `protectedBackends` option", "the JSON file /app/backends.json (named by …)". */
  from: string;
}

/**
 * The list the middleware routes by: the `protectedBackends` option, else the JSON file of
 * `protectedBackendsFile` / `MCA_PROTECTED_BACKENDS_FILE`, else `MCA_PROTECTED_BACKENDS`
 * (comma-separated strings). Undefined: no list, the token goes to every URL.
 */
export function readBackendList(settings: ResolvedSettings): BackendList | undefined {
  const list = readList(settings);
  if (list !== undefined && list.items.length === 0) throw emptyListError();
  return list;
}

function readList(settings: ResolvedSettings): BackendList | undefined {
  const { env } = settings;
  const option = settings.peek('protectedBackends')?.value;
  if (option !== undefined) {
    if (!Array.isArray(option)) {
      throw new McaConfigError(
        'ERR_MCA_INVALID_PROTECTED_BACKENDS',
        'Invalid `protectedBackends`: it must be an array of strings, RegExps and entry objects.',
        { field: 'protectedBackends' },
      );
    }
    return { items: option as unknown[], from: 'the `protectedBackends` option' };
  }
  const fileOption = settings.get('protectedBackendsFile')?.value as string | undefined;
  // Present but empty names no file: an error, never "no allowlist" (which sends the token everywhere).
  const fileVar = fileOption === undefined ? env.getPresent(FILE_VARIABLE) : undefined;
  if (fileVar !== undefined && fileVar.value.trim() === '') {
    throw new McaConfigError('ERR_MCA_INVALID_PROTECTED_BACKENDS_FILE', `${FILE_VARIABLE} is set but empty. Name the JSON file, or unset the variable.`, {
      field: 'protectedBackendsFile',
    });
  }
  const listVar = protectedBackendsVariable(env);
  const file = fileOption ?? fileVar?.value;
  if (file === undefined) return listVar && { items: listVar, from: LIST_VARIABLE };
  // Two allowlists, one of them silently ignored, is a typo waiting to fail open.
  if (fileOption === undefined && listVar !== undefined) {
    throw new McaConfigError(
      'ERR_MCA_CONFLICTING_OPTIONS',
      `Both ${LIST_VARIABLE} and ${FILE_VARIABLE} are set. Keep one: the file for entries with their own token settings, the list for plain back ends.`,
      { field: 'protectedBackendsFile' },
    );
  }
  return readBackendsFile(file, fileOption !== undefined ? '`protectedBackendsFile`' : FILE_VARIABLE);
}

/** The JSON file of entries; `namedBy` is what named it (the option, the variable, the CLI flag). */
export function readBackendsFile(file: string, namedBy: string): BackendList {
  const fail = (fix: string): McaConfigError =>
    new McaConfigError('ERR_MCA_INVALID_PROTECTED_BACKENDS_FILE', `Invalid protected back ends file (named by ${namedBy}): ${fix}`, {
      field: 'protectedBackendsFile',
    });
  const path = resolvePath(process.cwd(), file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw fail(
      `it cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}). Fix the path; a relative one is resolved against the working directory.`,
    );
  }
  let list: unknown;
  try {
    list = JSON.parse(text);
  } catch {
    // The parser's message quotes the text around the error, which may be a secret.
    throw fail('it is not valid JSON. It must hold an array of strings and entry objects.');
  }
  if (!Array.isArray(list)) throw fail('it must hold a JSON array of strings and entry objects (`{ "match": "https://…", "audience": "…" }`).');
  return { items: list, from: `the JSON file ${capped(path, 300)} (named by ${namedBy})` };
}
