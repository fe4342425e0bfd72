import { createServer } from 'node:net';
import { getPosthog, PosthogClient } from '../../core/client/index.js';
import { type AppConfig, loadAppConfig } from '../../core/config/app.js';
import { loadConfig } from '../../core/config/index.js';
import type { Env, PosthogConfig } from '../../core/config/types.js';
import type { PosthogInspector } from '../inspector/index.js';
import { createApp } from './create-app.js';
import { DEMO_FLAGS } from './routes.js';
import { type ServedApp, serveApp } from './serve.js';

/** What `npm start` does with PostHog: send to it, to the local inspector, or nothing. */
export type ReferenceAppMode = 'posthog' | 'inspector' | 'off';

/** Options of {@link startReferenceApp}. */
export interface StartReferenceAppOptions {
  /** The environment to read. @default process.env */
  readonly env?: Env;
  /** @default PORT, else 3000; 0 picks a free port */
  readonly port?: number;
  /** @default HOST, else 127.0.0.1 */
  readonly host?: string;
  /** Stop gracefully on these signals. @default ['SIGTERM', 'SIGINT'] */
  readonly signals?: readonly NodeJS.Signals[];
  /** Called after a signal's graceful stop. @default exits the process with 0 */
  readonly onStopped?: () => void;
}

/** The running reference app, from {@link startReferenceApp}. */
export interface StartedReferenceApp extends ServedApp {
  readonly mode: ReferenceAppMode;
  readonly client: PosthogClient;
  /** The inspector, in inspector mode. */
  readonly inspector: PosthogInspector | undefined;
  /** The events page, in inspector mode. */
  readonly inspectorUrl: string | undefined;
}

/** A free loopback port, for the inspector mode's server SDK, which must know its own URL. */
async function freePort(host: string): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', reject);
    probe.listen(0, host, resolve);
  });
  const address = probe.address();
  await new Promise((resolve) => probe.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no free port found');
  return address.port;
}

/** The address the app reaches itself on: loopback when it listens on every interface. */
function selfHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

/**
 * The config of inspector mode: the environment's settings, with the inspector's key,
 * the app's own origin as the host, posthog-js served first-party, environment `local`
 * when none resolved, and the debug route on unless `DEBUG` is explicitly off.
 */
function inspectorConfig(
  env: Env | undefined,
  base: PosthogConfig,
  app: AppConfig,
  inspector: { readonly apiKey: string; readonly url: string },
): PosthogConfig {
  return loadConfig(env, {
    apiKey: inspector.apiKey,
    host: inspector.url,
    jsSrc: 'self',
    debug: app.debug !== false,
    ...(base.environment === 'unknown' ? { environment: 'local' } : {}),
  });
}

/**
 * `npm start`'s wiring, as a function (docs/observability.md, "npm start without a key"):
 *
 * - `POSTHOG_API_KEY` set → the reference app sends to PostHog (`mode: 'posthog'`);
 * - unset, and `NODE_ENV` not `production` → inspector mode: the local inspector at
 *   `/_inspector/`, both SDKs pointed at it, posthog-js served first-party, `DEBUG`
 *   on unless set to a false word (the debug route still needs a logged-in user);
 * - unset in production → PostHog off, nothing mounted (`mode: 'off'`).
 *
 * On a signal it stops gracefully within `POSTHOG_SHUTDOWN_TIMEOUT_MS` in all: in
 * inspector mode it flushes first, while the server (the destination) still answers.
 *
 * @example
 * const started = await startReferenceApp();
 * console.log(started.url, started.mode, started.inspectorUrl);
 */
export async function startReferenceApp(
  options: Readonly<StartReferenceAppOptions> = {},
): Promise<StartedReferenceApp> {
  const { env, signals = ['SIGTERM', 'SIGINT'], onStopped = () => process.exit(0) } = options;
  const settings = loadAppConfig(env);
  const base = loadConfig(env);
  const host = options.host ?? settings.host;
  let port = options.port ?? settings.port;
  const secret = settings.demoAuthSecret ? { demoAuthSecret: settings.demoAuthSecret } : {};

  let mode: ReferenceAppMode;
  let client: PosthogClient;
  let inspector: PosthogInspector | undefined;
  if (base.enabled) {
    mode = 'posthog';
    client = env === undefined ? getPosthog() : new PosthogClient({ config: base });
  } else if (base.production) {
    mode = 'off';
    client = new PosthogClient({ config: base });
  } else {
    mode = 'inspector';
    if (port === 0) port = await freePort(selfHost(host).replace(/^\[|\]$/g, ''));
    // Loaded here, by its entry, so that express-posthog/app loads none of it otherwise.
    const { INSPECTOR_API_KEY, posthogInspector } = await import('../inspector/index.js');
    // The demo flags are listed (off) so the page can switch them on; a HOST the app
    // listens on by name is one the inspector answers too.
    const named = !['0.0.0.0', '::', '', '127.0.0.1', 'localhost', '::1'].includes(host);
    inspector = posthogInspector({
      config: base,
      flags: { [DEMO_FLAGS.server]: false, [DEMO_FLAGS.browser]: false },
      ...(named && /^[A-Za-z0-9_.-]+$/.test(host) ? { allowedHosts: [host] } : {}),
    });
    const url = `http://${selfHost(host)}:${port}${inspector.path}`;
    client = new PosthogClient({
      config: inspectorConfig(env, base, settings, { apiKey: INSPECTOR_API_KEY, url }),
    });
  }
  const app = createApp({
    client,
    ...secret,
    ...(inspector ? { inspector, snippet: { apiHost: inspector.path, jsSrc: 'self' } } : {}),
  });
  const served = await serveApp({ app, client, port, host, signals: [], onStopped });
  let stopping: Promise<void> | undefined;
  function stop(): Promise<void> {
    stopping ??= (async () => {
      // One bound for the whole stop (docs/observability.md, "Shutdown").
      const deadline = performance.now() + client.config.shutdownTimeoutMs;
      // In inspector mode the server is the destination: flush while it still answers.
      if (inspector) await client.flush(client.config.shutdownTimeoutMs);
      // Open inspector pages hold a live stream each: end them, or the server waits on them.
      inspector?.close();
      await served.stop(deadline);
    })();
    return stopping;
  }
  for (const signal of signals) {
    process.once(signal, function stopOnSignal() {
      client.config.logger.info(
        `${signal} received: flushing PostHog, finishing in-flight requests`,
      );
      stop().then(onStopped, onStopped);
    });
  }
  return {
    server: served.server,
    url: served.url,
    stop,
    mode,
    client,
    inspector,
    inspectorUrl: inspector ? `${served.url}${inspector.path}/` : undefined,
  };
}
