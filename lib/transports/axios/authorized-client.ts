import axios, { AxiosError, type AxiosAdapter, type AxiosInstance, type AxiosRequestConfig, type InternalAxiosRequestConfig } from 'axios';
import { runOutbound, type OutboundPolicy } from '../../outbound/outbound-policy';
import { AxiosTransport, outboundCall } from './axios-transport';
import { redactAxiosError } from './redact-axios-error';
import { refusedOption, refusedOptionError } from './refused-options';
import { malformedHttpUrl } from './final-url';
import './axios-augmentation';

export { finalUrl } from './final-url';

type Interceptor = { fulfilled?: unknown; rejected?: unknown; synchronous: boolean; runWhen: null };
type InterceptorList = { forEach(fn: (interceptor: Interceptor) => void): void };

// Our adapters and the adapter each one drives, so that a derived instance (`create()`) or a
// per-request `adapter` never wraps a wrapper.
const inner = new WeakMap<AxiosAdapter, AxiosAdapter>();

/**
 * The axios side of the outbound policy. Where each duty lives, and why:
 * - The adapter wrapper (`adapterOver`) runs the policy: injection by the allowlist, every
 *   redirect hop, the 401 replay, the token wait bounded by `timeout`/`signal`. It sees the final
 *   config, after the caller's request interceptors, and it costs one await on a resolved promise
 *   when the token is cached.
 * - A synchronous request interceptor (no promise hop) that runs after the caller's puts the
 *   wrapper back over a per-request `adapter` ('fetch', 'http', a function): no adapter bypasses it.
 * - A response-error interceptor that runs after the caller's redacts what axios's transforms
 *   (a JSON parse error) and the caller's own interceptors raised after the adapter.
 * - `create()` builds derived instances the same way, so they keep every guarantee.
 */
export function createAuthorizedClient(policy: OutboundPolicy, config: AxiosRequestConfig | undefined, where = '`client.create()`'): AxiosInstance {
  const userConfig = config ?? {};
  const adapter = adapterOver(policy, resolveAdapter(userConfig.adapter ?? axios.defaults.adapter));
  const client = axios.create({ ...userConfig, adapter });
  // The merged defaults: the config given, and what `axios.defaults` held (set by another module).
  const refused = refusedOption(client.defaults);
  if (refused !== undefined) throw refusedOptionError(refused, where);

  const byValue = new WeakMap<AxiosAdapter, AxiosAdapter>();
  const guardAdapter = (request: InternalAxiosRequestConfig): InternalAxiosRequestConfig => {
    if (request.adapter === adapter || inner.has(request.adapter as AxiosAdapter)) return request;
    const send = resolveAdapter(request.adapter, request);
    let wrapped = byValue.get(send);
    if (wrapped === undefined) {
      wrapped = adapterOver(policy, send);
      byValue.set(send, wrapped);
    }
    request.adapter = wrapped;
    return request;
  };
  const requestGuard: Interceptor = { fulfilled: guardAdapter, rejected: undefined, synchronous: true, runWhen: null };
  const responseGuard: Interceptor = {
    fulfilled: undefined,
    rejected: (error: unknown) => Promise.reject(redactAxiosError(error)),
    synchronous: false,
    runWhen: null,
  };
  // axios runs request interceptors in reverse order of addition (by default) and response
  // interceptors in order; the caller may flip the first with `transitional`. Ours are listed
  // outside the managers' own lists, so that `eject()`/`clear()` ids stay the caller's, and at
  // both ends of the request list: whichever order applies, one of them runs after the caller's.
  const requests = client.interceptors.request as unknown as InterceptorList;
  const ownRequests = requests.forEach.bind(requests);
  requests.forEach = (fn) => {
    fn(requestGuard);
    let any = false;
    ownRequests((interceptor) => {
      any = true;
      fn(interceptor);
    });
    if (any) fn(requestGuard);
  };
  const responses = client.interceptors.response as unknown as InterceptorList;
  const ownResponses = responses.forEach.bind(responses);
  responses.forEach = (fn) => {
    ownResponses(fn);
    fn(responseGuard);
  };

  client.create = (derived?: AxiosRequestConfig) => createAuthorizedClient(policy, axios.mergeConfig(client.defaults as AxiosRequestConfig, derived ?? {}));
  return client;
}

function resolveAdapter(value: unknown, config?: InternalAxiosRequestConfig): AxiosAdapter {
  if (typeof value === 'function' && inner.has(value as AxiosAdapter)) return inner.get(value as AxiosAdapter)!;
  return axios.getAdapter(value as AxiosRequestConfig['adapter'], config);
}

type Subscribable = { subscribe(listener: (reason: unknown) => void): void; unsubscribe(listener: (reason: unknown) => void): void };

function adapterOver(policy: OutboundPolicy, send: AxiosAdapter): AxiosAdapter {
  const adapter: AxiosAdapter = async (config) => {
    // Here, on the final config, whatever set it: the instance, a derived one, `defaults`, the
    // request, or an interceptor.
    const refused = refusedOption(config);
    if (refused !== undefined) throw refusedOptionError(refused, 'the request config (its own options, an interceptor or the instance defaults)');
    // The transport sends the URL it decided on, already combined: axios's own check of the
    // caller's spelling would no longer run, so it runs here (the URL is not echoed).
    if (malformedHttpUrl(config)) throw new AxiosError('Invalid URL: missing "//" after protocol', AxiosError.ERR_INVALID_URL, config);
    const transport = new AxiosTransport(config, send);
    const call = outboundCall(config);
    // The deprecated cancelToken bounds the token wait too, through a signal made for this call
    // (and released after it, so a token shared by many calls collects no listeners).
    const token = config.cancelToken as unknown as Subscribable | undefined;
    if (call.signal !== undefined || token === undefined) return transport.settle(await runOutbound(policy, call, transport));
    const controller = new AbortController();
    const onCancel = (reason: unknown): void => controller.abort(reason);
    token.subscribe(onCancel);
    call.signal = controller.signal;
    try {
      return transport.settle(await runOutbound(policy, call, transport));
    } finally {
      token.unsubscribe(onCancel);
    }
  };
  inner.set(adapter, send);
  return adapter;
}
