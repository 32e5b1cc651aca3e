// A TypeScript consumer (module: nodenext, ESM): everything typed, no casts.
import express from 'express';
import {
  mcaOAuth,
  getAuthorizationHeader,
  createTokenProvider,
  isMcaTokenError,
  McaConfigError,
  type McaOAuthOptions,
  type TokenProvider,
  type ProviderStats,
  getAuthorizationHeaderByCertificate,
  getAuthorizationHeaderFromIncomingRequest,
  Constant,
} from 'express-mca-oauth';
import { redisTokenStore, type RedisTokenStoreOptions } from 'express-mca-oauth/redis';

const options: McaOAuthOptions = { protectedBackends: ['https://orders.example.com', /\.internal\//], retryOn401: true };
const auth = mcaOAuth(options);
const app = express();
app.use(auth);
app.get('/orders', async (req, res, next) => {
  try {
    const r = await req.mcaClient.get<{ orders: number[] }>('https://orders.example.com/api/orders');
    const plain = await req.mcaClient.get('https://public.example.com/', { mcaAuth: false });
    const header: string = await req.mcaAuth();
    res.json({ orders: r.data.orders, status: plain.status, header: header.length });
  } catch (e) {
    if (isMcaTokenError(e)) res.status(502).json({ code: e.code, status: e.status });
    else next(e);
  }
});
const provider: TokenProvider = createTokenProvider({ tokenUrl: 'https://auth.example.com/token', scope: 'orders' });
provider.on('token', (e) => console.log(e.lifetimeMs, e.source));
provider.on('error', (e) => console.log(e.code));
const stats: ProviderStats = provider.stats();
const storeOptions: RedisTokenStoreOptions = { url: 'redis://127.0.0.1:6379', encrypt: true };
void redisTokenStore;
void storeOptions;
void stats;
void getAuthorizationHeader({ cacheSize: 100, appId: 'a', clientId: 'c', secret: 's', serverUrl: 'https://x' });
const e: McaConfigError = new McaConfigError('ERR_X', 'x');
void e;
void getAuthorizationHeaderByCertificate({ appId: 'a', credential: 'bearer uaa', cacheSize: 10, properties: 'p' }).catch(
  (err: { code?: string }) => err.code === Constant.HAS_NOPERMISSION_ERROR,
);
app.get('/forward', (req, res) => void res.send(getAuthorizationHeaderFromIncomingRequest(req) ?? ''));
const keyed: McaOAuthOptions = {
  clientAuth: 'private_key_jwt',
  privateKeyFile: '/k.pem',
  certificateFile: '/c.pem',
  keyId: 'k1',
  signingAlgorithm: 'ES256',
  x5t: true,
};
void keyed;
