import { loadConfig } from '../config/index.js';
import { PosthogClient } from './posthog-client.js';

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
