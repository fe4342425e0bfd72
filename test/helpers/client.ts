import { PosthogClient } from '../../src/core/client/index.js';
import { loadConfig } from '../../src/core/config/index.js';
import type { PosthogConfigOptions } from '../../src/core/config/types.js';
import { type RecordingLogger, recordingLogger } from './logger.js';

/**
 * The tests' project key, as long as PostHog's (`phc_` and 43 characters): a real key matches
 * the redaction's token formats where a short one (`phc_x`) does not, so the gate's handling of
 * the key posthog-js sends as every event's `token` is exercised by every browser suite.
 */
export const TEST_PROJECT_KEY = 'phc_testAbCdEfGhIjKlMnOpQrStUvWxYz0123456789abc';

/** A real, enabled client that posts to `host` (a capture server), with a recording logger. */
export function enabledClient(
  host: string,
  options: PosthogConfigOptions = {},
): { client: PosthogClient; logger: RecordingLogger } {
  const logger = recordingLogger();
  const config = loadConfig({}, { apiKey: TEST_PROJECT_KEY, host, logger, ...options });
  return { client: new PosthogClient({ config }), logger };
}

/** A fake request carrying what Express gives a handler: method, path, headers, maybe a user. */
export function fakeRequest(
  init: { user?: unknown; headers?: Record<string, string>; id?: string; path?: string } = {},
) {
  return {
    method: 'POST',
    url: `${init.path ?? '/orders'}?page=2`,
    path: init.path ?? '/orders',
    headers: init.headers ?? {},
    ...(init.id !== undefined ? { id: init.id } : {}),
    ...(init.user !== undefined ? { user: init.user } : {}),
  };
}
