import { mcaOAuth, type McaOAuthMiddleware } from '../../lib';
import { startTokenServer, type TokenServer } from './token-server';
import { watchForLeaks } from './leak-watch';

export const SECRET = 's3cr3t-value';
export const BASIC = Buffer.from(`client-1:${SECRET}`).toString('base64');

/** A back end the fixture can start and stop: test/client/scripted-backend.ts or protected-backend.ts. */
interface Backend {
  url: string;
  close(): Promise<void>;
}

export interface MiddlewareFixture<B extends Backend> {
  /** This test's token server (tokens `tok-1`, `tok-2`, …). */
  readonly tokens: TokenServer;
  /** This test's back end, on the allowlist `make()` passes by default. */
  readonly backend: B;
  /** This test's other back end, on no allowlist: where the token must not go. */
  readonly elsewhere: B;
  /** Tokens the back ends no longer accept (revoked early, as a key rotation would); emptied before each test. */
  readonly revoked: Set<string>;
  /** The suite's leak watch: every error it collects is checked for the secrets. */
  readonly watch: ReturnType<typeof watchForLeaks>;
  /** The secret, its Basic credential and every token issued so far. */
  secrets(): string[];
  /** The middleware with client-1's credentials against this test's token server; closed after the test. */
  make(extra?: Record<string, unknown>): McaOAuthMiddleware;
}

/**
 * The setup the client, fetch and back-end fault suites share, registered as Jest hooks of the
 * calling file: before each test, a real token server and two real back ends on 127.0.0.1 that
 * accept the tokens it issued (unless revoked); after each, the middleware `make()` built and the
 * servers are closed. The suite's leak watch fails it if any collected error shows a secret.
 */
export function middlewareFixture<B extends Backend>(startBackend: (valid: () => string[]) => Promise<B>): MiddlewareFixture<B> {
  let tokens: TokenServer | undefined;
  let backend: B | undefined;
  let elsewhere: B | undefined;
  let auth: McaOAuthMiddleware | undefined;
  const revoked = new Set<string>();
  const secrets = (): string[] => [SECRET, BASIC, ...(tokens?.issued ?? [])];
  const watch = watchForLeaks(secrets);
  const started = <T>(server: T | undefined): T => {
    if (server === undefined) throw new Error('the fixture starts its servers in beforeEach: use them inside a test');
    return server;
  };

  beforeEach(async () => {
    tokens = await startTokenServer();
    revoked.clear();
    const live = () => started(tokens).issued.filter((t) => !revoked.has(t));
    backend = await startBackend(live);
    elsewhere = await startBackend(live);
  });
  afterEach(async () => {
    await auth?.close();
    auth = undefined;
    await Promise.all([started(tokens).close(), started(backend).close(), started(elsewhere).close()]);
  });

  return {
    get tokens() {
      return started(tokens);
    },
    get backend() {
      return started(backend);
    },
    get elsewhere() {
      return started(elsewhere);
    },
    revoked,
    watch,
    secrets,
    make(extra = {}) {
      auth = mcaOAuth({
        env: {},
        envFile: false,
        clientId: 'client-1',
        secret: SECRET,
        tenantId: 'tenant-1',
        serverUrl: started(tokens).serverUrl,
        protectedBackends: [started(backend).url],
        ...extra,
      });
      return auth;
    },
  };
}
