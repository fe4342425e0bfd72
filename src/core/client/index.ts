import { loadConfig } from '../config/index.js';
import { PosthogClient } from './posthog-client.js';

export {
  type LocalInspectorClient,
  type LocalSocket,
  localInspectorClient,
} from './local-inspector.js';
export {
  type CaptureExceptionOptions,
  type CaptureOptions,
  PosthogClient,
  type PosthogClientOptions,
} from './posthog-client.js';
export type { BeforeSend, EventProperties, OutgoingEvent, PosthogSdk } from './sdk.js';

/**
 * Where the process-wide client lives: on `globalThis` under a registered
 * Symbol, so the ESM and the CommonJS builds of this package — both loaded
 * when one dependency `import`s it and another `require`s it — share one
 * client (one queue, one flush at shutdown) instead of one each.
 */
const INSTANCE = Symbol.for('express-posthog.client');

interface ClientHolder {
  [INSTANCE]?: PosthogClient;
}

const holder = globalThis as ClientHolder;

/**
 * The process-wide client (one per process, even with both the ESM and the
 * CommonJS builds loaded), built on first use from `loadConfig()` (the
 * environment). With `POSTHOG_API_KEY` unset it is a no-op client.
 *
 * @example
 * getPosthog().captureException(error, { request: req });
 */
export function getPosthog(): PosthogClient {
  holder[INSTANCE] ??= new PosthogClient({ config: loadConfig() });
  return holder[INSTANCE];
}

/**
 * Forgets the process-wide client, so the next `getPosthog()` reads the
 * environment again. For tests. The old client is shut down in the background.
 *
 * @returns the old client's shutdown, to await if you like.
 */
export function resetPosthog(): Promise<void> {
  const old = holder[INSTANCE];
  holder[INSTANCE] = undefined;
  return old ? old.shutdown() : Promise.resolve();
}

/**
 * Whether the process-wide client was built already (something called `getPosthog()`, as
 * `posthogSnippet()` does when it is created).
 *
 * @example
 * if (processClientBuilt()) logger.warn('register the inspector first');
 */
export function processClientBuilt(): boolean {
  return holder[INSTANCE] !== undefined;
}

/**
 * Makes `client` the process-wide one, what `getPosthog()` returns from now on. For the
 * one-line inspector, which points the app's client at itself (docs/observability.md,
 * "Local inspector"). The client it replaces, if any, is shut down in the background.
 *
 * @example
 * installProcessClient(localInspectorClient(config).client);
 */
export function installProcessClient(client: PosthogClient): void {
  const old = holder[INSTANCE];
  holder[INSTANCE] = client;
  if (old && old !== client) void old.shutdown();
}
