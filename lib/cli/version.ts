import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The package's version, as `--version` prints it. */
export function version(): string {
  // dist/cli/version.js and lib/cli/version.ts both sit two folders below package.json.
  return (JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }).version;
}
