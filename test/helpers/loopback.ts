import type http from 'node:http';
import type { AddressInfo } from 'node:net';

/** An HTTP server listening on 127.0.0.1 at an ephemeral port. */
export interface Loopback {
  /** `http://127.0.0.1:port`, no trailing slash. */
  url: string;
  port: number;
  /** Drops open (kept-alive) connections first, so close never waits on an idle socket. */
  close(): Promise<void>;
}

export async function listenOnLoopback(server: http.Server): Promise<Loopback> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
