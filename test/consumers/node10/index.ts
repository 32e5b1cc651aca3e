// A consumer on the old resolution (moduleResolution node10), which ignores package.json exports.
import { mcaOAuth, type McaOAuthOptions } from 'express-mca-oauth';
import { redisTokenStore, type RedisTokenStoreOptions } from 'express-mca-oauth/redis';

const options: McaOAuthOptions = { protectedBackends: ['https://orders.example.com'] };
const storeOptions: RedisTokenStoreOptions = { url: 'redis://127.0.0.1:6379' };
export const middleware = mcaOAuth(options);
export const store: typeof redisTokenStore = redisTokenStore;
export { storeOptions };
