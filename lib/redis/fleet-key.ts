import { createHmac, hkdfSync } from 'node:crypto';
import { McaConfigError } from '../errors/mca-config-error';
import type { RedisTokenStoreOptions } from './redis-store-options';

const MIN_BYTES = 32;
const MIN_DISTINCT_BYTES = 16;
const HOW = 'Generate one with `openssl rand -base64 32`, give the same value to every process of the fleet, and keep it out of Redis.';

/**
 * Reads the fleet key: at least 32 random bytes, as a Buffer, hex or base64. It keys the names
 * (HMAC) and the encryption of everything the store writes, so that whoever reads Redis without it
 * can test no guess at the client secret: the names and values depend on a 256-bit unknown.
 */
export function parseFleetKey(value: unknown, source: string): Buffer {
  if (value === undefined) {
    throw new McaConfigError(
      'ERR_MCA_MISSING_FLEET_KEY',
      `The Redis token store needs a fleet key (\`fleetKey\` option or MCA_REDIS_FLEET_KEY): without one, Redis key names would let anyone who reads them test guesses at the client secret. ${HOW}`,
      { field: 'fleetKey' },
    );
  }
  let bytes: Buffer | undefined;
  if (Buffer.isBuffer(value)) bytes = value;
  else if (typeof value === 'string') {
    const text = value.trim();
    if (/^[0-9a-f]+$/i.test(text) && text.length % 2 === 0) bytes = Buffer.from(text, 'hex');
    else if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(text)) bytes = Buffer.from(text, 'base64');
  }
  // The value is never echoed: it is a secret.
  // 32 random bytes hold ~30 distinct values (fewer than 16 has odds far below 1e-15); a pattern
  // pasted as a key (`deadbeef` × 8, `0123456789abcdef` × 4) holds a handful, and gives a guesser
  // nothing to work for.
  if (bytes === undefined || bytes.length < MIN_BYTES || new Set(bytes).size < MIN_DISTINCT_BYTES) {
    throw new McaConfigError(
      'ERR_MCA_INVALID_FLEET_KEY',
      `Invalid fleet key (from ${source}): it must be at least ${MIN_BYTES} random bytes, given as base64 or hex. ${HOW}`,
      { field: 'fleetKey' },
    );
  }
  return Buffer.from(bytes);
}

/**
 * The store's fleet key: the `fleetKey` option, else MCA_REDIS_FLEET_KEY from the process
 * environment. A store built from the environment (`target`) was handed the key the edge read from
 * the same env view.
 */
export function storeFleetKey(options: Pick<RedisTokenStoreOptions, 'fleetKey' | 'target'>): Buffer {
  // Own property only: process.env falls back to Object.prototype, and a key that prototype
  // pollution planted there is one the attacker knows, which makes Redis an oracle again.
  const fromEnv = options.target === undefined && Object.hasOwn(process.env, 'MCA_REDIS_FLEET_KEY') ? process.env.MCA_REDIS_FLEET_KEY || undefined : undefined;
  return parseFleetKey(
    options.fleetKey ?? fromEnv,
    options.fleetKey !== undefined && options.target === undefined ? 'the `fleetKey` option' : 'MCA_REDIS_FLEET_KEY',
  );
}

/** The Redis key names of one configuration; one hash tag, so a Cluster keeps them in one slot. */
export interface KeyNames {
  token: string;
  lock: string;
  generation: string;
}

/** HMAC-SHA-256 of the provider's cache key under the fleet key: a name that reveals nothing. */
export function keyNames(fleetKey: Buffer, prefix: string, cacheKey: string): KeyNames {
  const tag = createHmac('sha256', fleetKey).update(`name\0${cacheKey}`).digest('base64url');
  return { token: `${prefix}{${tag}}:token`, lock: `${prefix}{${tag}}:lock`, generation: `${prefix}{${tag}}:gen` };
}

/**
 * The sealing key of one configuration: HKDF over the fleet key and the provider's key (itself
 * derived from the client secret). Opening a value needs both; a guess at the secret alone gets
 * nowhere.
 */
export function sealingKey(fleetKey: Buffer, providerKey: Buffer, cacheKey: string): Buffer {
  return Buffer.from(hkdfSync('sha256', Buffer.concat([fleetKey, providerKey]), 'express-mca-oauth redis v2', cacheKey, 32));
}
