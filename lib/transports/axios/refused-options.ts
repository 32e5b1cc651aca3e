import { constantCase } from '../../errors/field-code';
import { McaConfigError } from '../../errors/mca-config-error';
import { configField } from './config-field';

/**
 * The axios options `req.mcaClient` refuses, wherever they are set (the middleware's `axios`
 * option, `client.create()`, `client.defaults`, a request, an interceptor), and why. Each moves
 * the request somewhere other than the URL the token was decided on, or hands redirect handling to
 * code below the policy. Exported so the README's list and the tests are checked against it.
 */
export const REFUSED_AXIOS_OPTIONS: Readonly<Record<string, string>> = Object.freeze({
  transport:
    'a custom transport (follow-redirects, say) replaces the one the policy drives hop by hop: it follows redirects below the guard, keeps the token on them and may log it (DEBUG=follow-redirects)',
  socketPath: 'the request goes to a Unix socket, not to the host whose URL decided the token',
  lookup: 'a custom DNS lookup can send the request to any address, and a `http:` loopback URL (where the token may go in clear) to another machine',
  httpVersion:
    "HTTP/2 (anything but 1) takes axios's http2 path, which keeps the headers it sent, token included, on the stream it hands back in `response.request` and `error.request`",
  http2Options: 'its `lookup` and `createConnection` send the request to any address, as `lookup` would',
});

const NAMES = Object.keys(REFUSED_AXIOS_OPTIONS);
// A value of a refused option that changes nothing: `httpVersion: 1` is axios's default.
const HARMLESS: Readonly<Record<string, (value: unknown) => boolean>> = { httpVersion: (value) => value === 1 };

/** The first refused option set (to anything but undefined/null, or a harmless value) on an axios config, or undefined. */
export function refusedOption(config: object): string | undefined {
  for (const name of NAMES) {
    const value = configField(config, name);
    if (value !== undefined && value !== null && !HARMLESS[name]?.(value)) return name;
  }
  return undefined;
}

/** `ERR_MCA_REFUSED_AXIOS_TRANSPORT`, `…_SOCKET_PATH`, `…_LOOKUP`. `where`: how the option reached the client, for the message ("a request or its interceptors", "`client.create()`"). */
export function refusedOptionError(name: string, where: string): McaConfigError {
  return new McaConfigError(
    `ERR_MCA_REFUSED_AXIOS_${constantCase(name)}`,
    `The axios option \`${name}\` (from ${where}) is refused by req.mcaClient: ${REFUSED_AXIOS_OPTIONS[name]}. Remove it, or make this call with an axios instance of your own, which carries no token.`,
    { field: name },
  );
}
