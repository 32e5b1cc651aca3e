import type { McaOAuthMiddleware } from '../../lib';
import { leakedSecrets } from './leak-watch';

/** The two transports of the middleware: `req.mcaClient` (axios) and `req.mcaFetch`. */
export type Transport = 'axios' | 'fetch';

/**
 * A GET through `mw.client` (any status resolves) or `mw.fetch` (the body read), resolving to the
 * status. A rejection is collected by the suite's leak watch and checked for secrets, then rethrown.
 */
export function callThrough(
  watch: { collect<T>(error: T): T },
  secrets: () => string[],
): (kind: Transport, mw: McaOAuthMiddleware, url: string) => Promise<number> {
  return async (kind, mw, url) => {
    try {
      if (kind === 'axios') return (await mw.client.get(url, { validateStatus: () => true })).status;
      const response = await mw.fetch(url);
      await response.arrayBuffer();
      return response.status;
    } catch (error) {
      watch.collect(error);
      expect(leakedSecrets(error, secrets())).toEqual([]);
      throw error;
    }
  };
}
