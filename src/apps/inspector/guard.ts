import type { PosthogConfig } from '../../core/config/types.js';
import { INSPECTOR_API_KEY } from './constants.js';

/**
 * Why the inspector is not mounted here, as the one info line it logs, or `undefined` when
 * it runs: never with `NODE_ENV=production`, and never with a real `POSTHOG_API_KEY`, which
 * means events are meant for PostHog. It never throws: `app.use(posthogInspector())` stays
 * in the app whatever the environment says (docs/observability.md, "Local inspector").
 *
 * @example
 * inspectorRefusal(loadConfig({ NODE_ENV: 'production' })); // 'posthogInspector: not mounted …'
 */
export function inspectorRefusal(config: PosthogConfig): string | undefined {
  if (config.production) {
    return 'posthogInspector: not mounted, because NODE_ENV=production: the inspector is a local development tool that keeps events in memory and shows them to anyone who can reach the app.';
  }
  if (config.apiKey !== undefined && config.apiKey !== INSPECTOR_API_KEY) {
    return `posthogInspector: not mounted, because POSTHOG_API_KEY is set: events go to PostHog at ${config.host}. Unset POSTHOG_API_KEY to see them in the local inspector instead.`;
  }
  return undefined;
}
