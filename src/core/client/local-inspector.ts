/**
 * The server client of the one-line inspector (`app.use(posthogInspector())`,
 * docs/observability.md, "Local inspector"): the real posthog-node, posting over HTTP to the
 * inspector mounted in the app. The app's address is not known when the client is built
 * (the app has not listened yet), so the client posts to the address of the first request
 * the inspector sees.
 */
import { UNRESOLVED_INSPECTOR_ORIGIN } from '../config/local-inspector.js';
import type { PosthogConfig } from '../config/types.js';
import { ipAddress } from '../http/client-address.js';
import { rateLimitedWarn } from '../log/rate-limited.js';
import { PosthogClient } from './posthog-client.js';
import { createSdk, type EventProperties, type PosthogSdk, type SdkFetch } from './sdk.js';

/** How long a send waits for the app's address before it fails (and posthog-node retries). */
const ORIGIN_WAIT_MS = 10_000;

/** The server client of the one-line inspector, and how it learns where the app listens. */
export interface LocalInspectorClient {
  readonly client: PosthogClient;
  /**
   * Tells the client the app's address, from the socket of a request the app received; the
   * first one is kept.
   */
  learnOrigin(socket: LocalSocket): void;
  /** The app's origin once learned, e.g. `http://127.0.0.1:3000`. */
  origin(): string | undefined;
}

/**
 * The SDK, but for its shutdown: the inspector lives in the app's process and dies with it, and
 * by the time the app shuts the client down its server has stopped accepting, so what is still
 * queued has nowhere to go. Shutdown drops it at once instead of waiting out the bound and
 * warning; `flush()` while the app runs sends as usual. (posthog-node's timers are unref'd.)
 */
function droppingAtShutdown(sdk: PosthogSdk): PosthogSdk {
  return {
    // The SDK's own options, shared: the client sees the redaction gate already in its before_send.
    ...({ options: (sdk as { options?: unknown }).options } as object),
    capture: (message) => sdk.capture(message),
    ...(sdk.captureException
      ? {
          captureException: (error: unknown, distinctId?: string, properties?: EventProperties) =>
            sdk.captureException?.(error, distinctId, properties),
        }
      : {}),
    ...(sdk.evaluateFlags ? { evaluateFlags: sdk.evaluateFlags.bind(sdk) } : {}),
    ...(sdk.isFeatureEnabled ? { isFeatureEnabled: sdk.isFeatureEnabled.bind(sdk) } : {}),
    ...(sdk.withContext ? { withContext: sdk.withContext.bind(sdk) } : {}),
    ...(sdk.getContext ? { getContext: sdk.getContext.bind(sdk) } : {}),
    ...(sdk.on ? { on: sdk.on.bind(sdk) } : {}),
    ...(sdk.flush ? { flush: sdk.flush.bind(sdk) } : {}),
    shutdown: () => Promise.resolve(),
  };
}

/** The local end of a request's socket, and the server that accepted it. */
export interface LocalSocket {
  readonly localAddress?: string | undefined;
  readonly localPort?: number | undefined;
  /** Node sets it on the sockets a server accepts. */
  readonly server?: { address(): unknown } | null | undefined;
}

/**
 * Where the app reaches itself, from a request's socket: loopback (where the inspector
 * answers) when the request came in on loopback or the server listens on every interface;
 * else the one address the server listens on. IPv4-mapped addresses unmapped.
 */
function originOf(socket: LocalSocket, port: number): string {
  const local = ipAddress(socket.localAddress) ?? String(socket.localAddress);
  let listening: unknown;
  try {
    listening = (socket.server?.address() as { address?: unknown } | null)?.address;
  } catch {
    listening = undefined;
  }
  const loopback = local === '::1' || local.startsWith('127.');
  const everywhere = listening === '0.0.0.0' || listening === '::' || listening === undefined;
  const address = loopback ? local : everywhere ? '127.0.0.1' : local;
  return address.includes(':') ? `http://[${address}]:${port}` : `http://${address}:${port}`;
}

/**
 * Builds the inspector-mode client for `config` (from `localInspectorConfig`). Its sends wait
 * (up to 10 s) for {@link LocalInspectorClient.learnOrigin}, then go to that origin.
 *
 * @example
 * const local = localInspectorClient(localInspectorConfig(loadConfig(), { path: '/_inspector', jsSrc: 'self' }));
 * app.use((req, _res, next) => { local.learnOrigin(req.socket); next(); });
 */
export function localInspectorClient(config: PosthogConfig): LocalInspectorClient {
  let origin: string | undefined;
  let announce: (value: string) => void = () => {};
  const known = new Promise<string>((resolve) => {
    announce = resolve;
  });

  function waitForOrigin(): Promise<string> {
    if (origin !== undefined) return Promise.resolve(origin);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new Error(
              `the local inspector has seen no request within ${ORIGIN_WAIT_MS} ms, so the app's address is not known yet; events are sent once the app has served a request`,
            ),
          ),
        ORIGIN_WAIT_MS,
      );
      timer.unref();
    });
    return Promise.race([known, late]).finally(() => clearTimeout(timer));
  }

  const inspectorFetch: SdkFetch = async function inspectorFetch(url, options) {
    const target = url.startsWith(UNRESOLVED_INSPECTOR_ORIGIN)
      ? `${await waitForOrigin()}${url.slice(UNRESOLVED_INSPECTOR_ORIGIN.length)}`
      : url;
    return fetch(target, options as RequestInit);
  };

  // Sent every second, not every 10: the inspector shows events live, and costs nothing to post to.
  const sdk = createSdk(config, rateLimitedWarn(config.logger), {
    fetch: inspectorFetch,
    flushIntervalMs: 1_000,
  });
  const client = new PosthogClient({ config, sdk: droppingAtShutdown(sdk) });
  return {
    client,
    learnOrigin(socket) {
      if (origin !== undefined || !socket.localAddress || !socket.localPort) return;
      origin = originOf(socket, socket.localPort);
      announce(origin);
    },
    origin: () => origin,
  };
}
