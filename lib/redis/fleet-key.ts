import { createHmac, hkdfSync } from 'node:crypto';
import { McaConfigError } from '../errors/mca-config-error';
import { storeVariable } from '../settings/settings-table';
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

/** Keys a process may hold at once: the one it seals with, and those of a rotation under way. */
const MAX_KEYS = 4;

/**
 * Reads a comma-separated list of fleet keys (a Buffer is one key): the first seals and names
 * what this process writes, all of them open what it reads. A rotation adds the new key second,
 * swaps the order, then drops the old one (README, "Rotating the fleet key").
 */
export function parseFleetKeys(value: unknown, source: string): Buffer[] {
  if (typeof value !== 'string' || !value.includes(',')) return [parseFleetKey(value, source)];
  const parts = value
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
  if (parts.length === 0 || parts.length > MAX_KEYS) {
    throw new McaConfigError(
      'ERR_MCA_INVALID_FLEET_KEY',
      `Invalid fleet key list (from ${source}): give 1 to ${MAX_KEYS} keys separated by commas, the one to seal with first. ${HOW}`,
      { field: 'fleetKey' },
    );
  }
  const keys = parts.map((part, i) => parseFleetKey(part, `${source}, key ${i + 1}`));
  if (new Set(keys.map((key) => key.toString('hex'))).size !== keys.length) {
    throw new McaConfigError('ERR_MCA_INVALID_FLEET_KEY', `Invalid fleet key list (from ${source}): a key is listed twice.`, { field: 'fleetKey' });
  }
  return keys;
}

/**
 * The store's fleet keys: the `fleetKey` option, else MCA_REDIS_FLEET_KEY from the process
 * environment. A store built from the environment (`target`) was handed the keys the edge read from
 * the same env view.
 */
export function storeFleetKeys(options: Pick<RedisTokenStoreOptions, 'fleetKey' | 'target'>): Buffer[] {
  // Own property only: process.env falls back to Object.prototype, and a key that prototype
  // pollution planted there is one the attacker knows, which makes Redis an oracle again.
  const variable = storeVariable('fleetKey');
  const fromEnv = options.target === undefined && Object.hasOwn(process.env, variable) ? process.env[variable] || undefined : undefined;
  return parseFleetKeys(options.fleetKey ?? fromEnv, options.fleetKey !== undefined && options.target === undefined ? 'the `fleetKey` option' : variable);
}

/**
 * A name for a fleet key that reveals nothing of it (12 characters of an HMAC under it): `check`
 * prints it so two processes can be compared, and the store records it beside what it writes.
 */
export function fingerprint(fleetKey: Buffer): string {
  return createHmac('sha256', fleetKey).update('express-mca-oauth fleet key fingerprint').digest('base64url').slice(0, 12);
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
