// Compile-time check: a real ioredis client satisfies the store's structural client type.
import { Redis } from 'ioredis';
import type { RedisClientLike } from '../../lib/redis';

export const compatible: RedisClientLike = new Redis('redis://127.0.0.1:1', { lazyConnect: true });
