import type { AxiosRequestConfig } from 'axios';

/**
 * What every request that carries a credential of ours outside `req.mcaClient` (the token request,
 * the certificate flow's cloud-controller check) pins, whatever another module of the application
 * put on the global `axios.defaults`, which `axios.create()` and `axios.get()` merge in: a
 * `transport` (follow-redirects: redirects followed with the Basic header, options logged under
 * DEBUG), a `socketPath` or a `lookup` (the request sent to another place than its URL names), a
 * `baseURL` with `allowAbsoluteUrls: false` (the token URL made relative to it). `null` wins over a
 * default in axios's merge, where `undefined` would not.
 */
export const PINNED_AXIOS_OPTIONS = Object.freeze({
  transport: null,
  socketPath: null,
  lookup: null,
  baseURL: null,
  allowAbsoluteUrls: true,
}) as unknown as Readonly<AxiosRequestConfig>;
