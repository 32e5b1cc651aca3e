import { createHash } from 'node:crypto';
import { DpopKey } from './dpop-key';
import { DpopNonces } from './dpop-nonces';

/** A middleware's DPoP key, and the nonces its servers asked for. One per middleware. */
export interface DpopBinding {
  readonly key: DpopKey;
  readonly nonces: DpopNonces;
}

export function createDpopBinding(key: DpopKey = DpopKey.generate()): DpopBinding {
  return { key, nonces: new DpopNonces() };
}

/**
 * The configuration of a token bound to `binding`'s key. Its cache key names the key's thumbprint:
 * a process with another key (or none) never takes this token from a shared store, since it could
 * not use it, and a plain bearer token is never taken for a bound one.
 */
export function withDpop<C extends { cacheKey: string; dpop?: DpopBinding }>(config: C, binding: DpopBinding): C {
  const cacheKey = createHash('sha256').update(`${config.cacheKey}\0dpop\0${binding.key.thumbprint}`).digest('hex');
  return { ...config, dpop: binding, cacheKey };
}
