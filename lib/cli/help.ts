// What `--help` prints (and, on stderr, a call with no command): the commands, every flag with the
// variable it falls back to (from the settings table), and the exit statuses.
import { variablesOf } from '../settings/settings-table';
import { FLAG_ROWS } from './arguments';

const COLUMN = 30;

/** One flag and what it says, on one line, or on two when the flag is too long for the column. */
function flagLine(flag: string, text: string): string {
  const left = `  ${flag}`;
  return left.length + 2 <= COLUMN ? `${left.padEnd(COLUMN)}${text}` : `${left}\n${' '.repeat(COLUMN)}${text}`;
}

/** The table's flags: each with its variables (`{env:key}` in a note names another setting's). */
function settingFlags(): string[] {
  return FLAG_ROWS.flatMap((row) => {
    const flag = `--${row.key.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`;
    const note = (row.flag.note ?? '').replace(/\{env:(\w+)\}/g, (_, key: string) => variablesOf(key).join(' or '));
    const lines = [flagLine(`${flag} ${row.flag.arg}`, `${(row.env ?? []).join(' or ')}${note}`)];
    if (row.flag.negation !== undefined) lines.push(flagLine(`--no-${flag.slice(2)}`, row.flag.negation));
    return lines;
  });
}

export const HELP = `Usage: express-mca-oauth <command> [options]

Commands:
  token    Print the Authorization header value. Keep it out of argv (the process list) with a header
           on stdin: npx express-mca-oauth token | sed 's/^/Authorization: /' | curl -H @- <url>
  check    Show where each setting came from, the token URL, the result of one real token request,
           and, with MCA_REDIS_* set, a write and a read through the Redis store

Options (each falls back to its environment variable, then .env, then VCAP_SERVICES):
${settingFlags().join('\n')}
${flagLine('--backend <name>', 'the token of this named protectedBackends entry (its audience, scope, client …)')}
${flagLine('--backends-file <path>', `${variablesOf('protectedBackendsFile').join(' or ')} (the JSON list of entries that --backend names)`)}
${flagLine('-h, --help', 'show this help')}
${flagLine('-v, --version', 'print the version')}

Exit status: 0 on success, 1 on a configuration or token error (its code is printed), 2 on bad usage.`;
