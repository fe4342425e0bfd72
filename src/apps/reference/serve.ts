import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import type { PosthogClient } from '../../core/client/index.js';

/** Options of {@link serveApp}. */
export interface ServeOptions {
  readonly app: Express;
  readonly client: PosthogClient;
  /** @default 3000 */
  readonly port?: number;
  /** @default '127.0.0.1'; pass '0.0.0.0' to listen on every interface */
  readonly host?: string;
  /** Stop on these signals. @default ['SIGTERM', 'SIGINT'] */
  readonly signals?: readonly NodeJS.Signals[];
  /** Called after the graceful stop; the default exits the process with 0. */
  readonly onStopped?: () => void;
}

/** The least time PostHog's flush gets at a stop, even when requests used the whole bound. */
const MIN_FLUSH_MS = 100;

/** A running app, from {@link serveApp}. */
export interface ServedApp {
  readonly server: Server;
  readonly url: string;
  /**
   * Stops accepting, lets in-flight requests finish, flushes PostHog, all by `deadline`
   * (a `performance.now()` time; default: `POSTHOG_SHUTDOWN_TIMEOUT_MS` from the call);
   * idempotent.
   */
  stop(deadline?: number): Promise<void>;
}

/**
 * The error of a failed `listen`, saying which port and what to do: a busy port names
 * `PORT`, a refused one names the privilege. The original is the `cause`.
 *
 * @example
 * listenError(Object.assign(new Error('x'), { code: 'EADDRINUSE' }), 3000, '127.0.0.1').message;
 * // 'Port 3000 on 127.0.0.1 is already in use (EADDRINUSE): …'
 */
export function listenError(error: NodeJS.ErrnoException, port: number, host: string): Error {
  const fix =
    error.code === 'EADDRINUSE'
      ? `Port ${port} on ${host} is already in use (EADDRINUSE): another process listens there, perhaps an earlier npm start. Stop it, or choose another port, e.g. PORT=${port === 3000 ? 3001 : port + 1} npm start.`
      : error.code === 'EACCES'
        ? `Port ${port} on ${host} needs privileges this process lacks (EACCES). Choose a port above 1023, e.g. PORT=3000 npm start.`
        : error.code === 'EADDRNOTAVAIL'
          ? `Cannot listen on ${host}: no interface of this machine has that address (EADDRNOTAVAIL). Set HOST=127.0.0.1, or an address of this machine.`
          : `Cannot listen on ${host}:${port}: ${error.message}`;
  return Object.assign(new Error(fix, { cause: error }), { code: error.code });
}

/**
 * Serves an app and stops it gracefully on `SIGTERM`/`SIGINT`: the server stops
 * accepting, in-flight requests finish, PostHog is flushed, all within one
 * `POSTHOG_SHUTDOWN_TIMEOUT_MS` (the flush gets what the requests left, at least
 * 100 ms), then the process exits 0. Idle keep-alive connections are closed at once.
 *
 * @example
 * const { url } = await serveApp({ app: createApp(), client: getPosthog(), port: 3000 });
 */
export async function serveApp({
  app,
  client,
  port = 3000,
  host = '127.0.0.1',
  signals = ['SIGTERM', 'SIGINT'],
  onStopped = () => process.exit(0),
}: ServeOptions): Promise<ServedApp> {
  const server = app.listen(port, host);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', (error: NodeJS.ErrnoException) => reject(listenError(error, port, host)));
  });
  const address = server.address() as AddressInfo;
  let stopping: Promise<void> | undefined;

  function stop(deadline = performance.now() + client.config.shutdownTimeoutMs): Promise<void> {
    stopping ??= (async () => {
      // One bound for the whole stop: in-flight requests and the flush share it, so the
      // process exits within POSTHOG_SHUTDOWN_TIMEOUT_MS (plus a moment), not twice that.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Keep-alive connections whose request just finished go too, not only the idle ones now.
      const sweep = setInterval(() => server.closeIdleConnections(), 50);
      const timer = setTimeout(
        () => server.closeAllConnections(),
        Math.max(0, deadline - performance.now()),
      );
      sweep.unref();
      timer.unref();
      await closed;
      clearInterval(sweep);
      clearTimeout(timer);
      // To the nearest 100 ms, so that the log line names the bound the operator set.
      const left = Math.round((deadline - performance.now()) / 100) * 100;
      await client.shutdown(Math.max(MIN_FLUSH_MS, left));
    })();
    return stopping;
  }

  for (const signal of signals) {
    process.once(signal, function stopOnSignal() {
      client.config.logger.info(
        `${signal} received: finishing in-flight requests, flushing PostHog`,
      );
      stop().then(onStopped, onStopped);
    });
  }
  return { server, url: `http://${host}:${address.port}`, stop };
}
