import { loadConfig } from '../config/index.js';
import { PosthogClient } from './posthog-client.js';

export {
  type CaptureExceptionOptions,
  type CaptureOptions,
  PosthogClient,
  type PosthogClientOptions,
} from './posthog-client.js';
export type { EventProperties, PosthogSdk } from './sdk.js';

let instance: PosthogClient | undefined;

/**
 * The process-wide client, built on first use from `loadConfig()` (the
 * environment). With `POSTHOG_API_KEY` unset it is a no-op client.
 *
 * @example
 * getPosthog().captureException(error, { request: req });
 */
export function getPosthog(): PosthogClient {
  instance ??= new PosthogClient({ config: loadConfig() });
  return instance;
}

/**
 * Forgets the process-wide client, so the next `getPosthog()` reads the
 * environment again. For tests. The old client is shut down in the background.
 *
 * @returns the old client's shutdown, to await if you like.
 */
export function resetPosthog(): Promise<void> {
  const old = instance;
  instance = undefined;
  return old ? old.shutdown() : Promise.resolve();
}
