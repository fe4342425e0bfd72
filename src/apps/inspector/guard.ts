import type { PosthogConfig } from '../../core/config/types.js';
import { INSPECTOR_API_KEY } from './constants.js';

/**
 * Throws unless the inspector may run here: never with `NODE_ENV=production`, and
 * never with a real `POSTHOG_API_KEY`, which means events are meant for PostHog.
 *
 * @example
 * assertInspectorAllowed(loadConfig()); // throws in production
 */
export function assertInspectorAllowed(config: PosthogConfig): void {
  if (config.production) {
    throw new Error(
      'posthogInspector: refusing to mount with NODE_ENV=production. The inspector is a local development tool: it keeps events in memory and shows them to anyone who can reach the app. Mount it only outside production, e.g. if (process.env.NODE_ENV !== "production") app.use("/_inspector", posthogInspector()).',
    );
  }
  if (config.apiKey !== undefined && config.apiKey !== INSPECTOR_API_KEY) {
    throw new Error(
      'posthogInspector: refusing to start because POSTHOG_API_KEY is set: events are meant for PostHog, not for the local inspector. Unset POSTHOG_API_KEY to use the inspector, or leave the inspector out.',
    );
  }
}
