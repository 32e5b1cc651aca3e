// The `express-mca-oauth/redis` entry: exports only. Importing the main entry never loads this.
export { redisTokenStore, RedisTokenStore, type RedisTokenStoreOptions } from './redis-token-store';
export type { RedisClientLike } from './redis-client';
