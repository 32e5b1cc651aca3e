#!/usr/bin/env node
// `npx express-mca-oauth token|check`: the same resolution as the middleware (flags, env, .env,
// VCAP_SERVICES), from a shell. Errors are one line with their code; the secret is never printed.
// This file is the package's bin and picks the command; the commands and the reading of the
// command line live beside it, a file each.
import type { parseArgs } from 'node:util';
import { isMcaOAuthError } from '../errors/mca-oauth-error';
import { isMcaTokenError } from '../errors/mca-token-error';
import { flagOptions, parseCommandLine, usageError } from './arguments';
import { check } from './check-command';
import { configFor } from './config-for';
import { HELP } from './help';
import { bare, type Out } from './output';
import { token } from './token-command';
import { version } from './version';

export { formatSkew } from './check-command';

/** Runs the CLI; returns the exit status. Exported for tests. */
export async function main(argv: string[], out: Out = console.log, err: Out = console.error): Promise<number> {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseCommandLine(argv);
  } catch (error) {
    err(usageError(error));
    return 2;
  }
  if (parsed.values.version) {
    out(version());
    return 0;
  }
  const [command, ...extra] = parsed.positionals;
  if (parsed.values.help || command === undefined) {
    (parsed.values.help ? out : err)(HELP);
    return parsed.values.help ? 0 : 2;
  }
  if ((command !== 'token' && command !== 'check') || extra.length > 0) {
    err(`express-mca-oauth: unknown command "${[command, ...extra].join(' ')}". Use token or check; see --help.`);
    return 2;
  }
  let tokenUrl: string | undefined;
  try {
    const opts = flagOptions(parsed.values);
    const { config, entry } = configFor(opts, parsed.values.backend as string | undefined, parsed.values['backends-file'] as string | undefined);
    tokenUrl = config.tokenUrl;
    await (command === 'token' ? token(config, out) : check(config, out, entry));
    return 0;
  } catch (error) {
    // A 404 is nearly always a wrong tenant or server path: say which URL was tried.
    const hint =
      isMcaTokenError(error) && error.tokenEndpointStatus === 404 && tokenUrl !== undefined
        ? ` Hint: ${bare(tokenUrl)} answered 404; check tenantId and serverUrl (\`check\` shows where each came from).`
        : '';
    if (isMcaOAuthError(error)) err(`error ${error.code}: ${error.message}${hint}`);
    else err(`error: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((status) => {
    process.exitCode = status;
  });
}
