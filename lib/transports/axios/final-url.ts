import { configField } from './config-field';

// axios's own test of "absolute" (helpers/isAbsoluteURL): a scheme and "//", or a bare "//".
const ABSOLUTE = /^([a-z][a-z\d+\-.]*:)?\/\//i;

// axios refuses `http:x` and `https:\\x` (no "//" after the scheme) once tabs, newlines and
// leading spaces are gone (buildFullPath's assertValidHttpProtocolURL); WHATWG would read them as
// absolute URLs.
const MALFORMED_HTTP = /^https?:(?!\/\/)/i;

// The common spelling, decided without a copy of the string.
const WELL_FORMED = /^https?:\/\//i;

function malformed(value: unknown): boolean {
  if (typeof value !== 'string' || WELL_FORMED.test(value)) return false;
  let start = 0;
  while (start < value.length && value.charCodeAt(start) <= 0x20) start++;
  return MALFORMED_HTTP.test(value.slice(start).replace(/[\t\n\r]/g, ''));
}

/** True when axios itself would refuse this config's URL (before any request): it is refused the same way, unsent. */
export function malformedHttpUrl(config: object): boolean {
  const url = configField(config, 'url');
  if (malformed(url)) return true;
  const base = configField(config, 'baseURL');
  const combines = base && (!(typeof url === 'string' && ABSOLUTE.test(url)) || configField(config, 'allowAbsoluteUrls') === false);
  return Boolean(combines) && malformed(base);
}

/**
 * The URL axios will request, combined from `baseURL` and `url` by axios's own rules
 * (buildFullPath): only a primitive string can be absolute (a `new String(…)` or a URL object is
 * relative to `baseURL`), `allowAbsoluteUrls: false` makes every URL relative, and the base loses
 * all its trailing slashes. `params` are left out: they cannot move a request to another origin or
 * path. The transport then sends exactly this text with no `baseURL` (see AxiosTransport), so the
 * URL that decided the token is the URL on the wire, whatever axios's rules become.
 */
export function finalUrl(config: object): string {
  const url = configField(config, 'url');
  const base = configField(config, 'baseURL');
  const absolute = typeof url === 'string' && ABSOLUTE.test(url);
  if (base && (!absolute || configField(config, 'allowAbsoluteUrls') === false)) {
    const text = url === undefined || url === null ? '' : String(url);
    const baseText = String(base);
    if (text === '') return baseText;
    let end = baseText.length;
    while (end > 0 && baseText.charCodeAt(end - 1) === 47) end--;
    return `${baseText.slice(0, end)}/${text.replace(/^\/+/, '')}`;
  }
  return url === undefined || url === null ? '' : String(url);
}
