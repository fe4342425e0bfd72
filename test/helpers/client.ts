import { PosthogClient } from '../../src/core/client/index.js';
import { loadConfig } from '../../src/core/config/index.js';
import type { PosthogConfigOptions } from '../../src/core/config/types.js';
import { type RecordingLogger, recordingLogger } from './logger.js';

/** A real, enabled client that posts to `host` (a capture server), with a recording logger. */
export function enabledClient(
  host: string,
  options: PosthogConfigOptions = {},
): { client: PosthogClient; logger: RecordingLogger } {
  const logger = recordingLogger();
  const config = loadConfig({}, { apiKey: 'phc_test', host, logger, ...options });
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
