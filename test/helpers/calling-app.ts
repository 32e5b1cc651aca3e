import express from 'express';
import type { McaOAuthMiddleware } from '../../lib';

/** An Express app whose `GET /call` calls `target` through `req.mcaClient` and answers its status. */
export function callingApp(auth: McaOAuthMiddleware, target: string): express.Express {
  const app = express();
  app.use(auth);
  app.get('/call', async (req, res, next) => {
    try {
      res.json({ status: (await req.mcaClient.get(target)).status });
    } catch (e) {
      next(e);
    }
  });
  return app;
}
