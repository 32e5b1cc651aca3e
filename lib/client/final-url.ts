const ABSOLUTE = /^([a-z][a-z\d+\-.]*:)?\/\//i;

/**
 * The URL axios will request, combined from `baseURL` and `url` by axios's own rules
 * (buildFullPath, including `allowAbsoluteUrls`). `params` are left out: they cannot move a request
 * to another origin or path. axios.getUri() would merge the whole config again on every request.
 */
export function finalUrl(config: { url?: string; baseURL?: string; allowAbsoluteUrls?: boolean }): string {
  const url = config.url ?? '';
  const base = config.baseURL;
  if (base && (!ABSOLUTE.test(url) || config.allowAbsoluteUrls === false)) {
    return url ? `${base.replace(/\/?\/$/, '')}/${url.replace(/^\/+/, '')}` : base;
  }
  return url;
}
