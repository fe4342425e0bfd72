import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request listener (an Express app fits). */
type Listener = Parameters<typeof import('node:http').createServer>[1];

/** Serves `app` on an ephemeral 127.0.0.1 port; returns its origin and a closer. */
export async function serve(app: Listener): Promise<{ url: string; close(): Promise<void> }> {
  const { createServer } = await import('node:http');
  const server: Server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
