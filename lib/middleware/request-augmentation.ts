import type { AxiosInstance } from 'axios';
import type { McaFetch } from '../transports/fetch/authorized-fetch';

// Types only: `req.mcaAuth` and `req.mcaClient` on Express's Request, with no extra step for the
// consumer's tsc. Non-optional, since every request that passed the middleware has them.
declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /**
       * Resolves to `"Bearer <access_token>"`, cached and refreshed by the shared provider. With a
       * `protectedBackends` entry's name or a URL, that back end's token.
       */
      mcaAuth: (urlOrName?: string) => Promise<string>;
      /** The shared axios instance that adds the token on calls to the protected back ends. */
      mcaClient: AxiosInstance;
      /** The global `fetch`'s signature, adding the token on calls to the protected back ends. */
      mcaFetch: McaFetch;
    }
  }
}

export {};
