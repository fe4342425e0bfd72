/**
 * Inspector mode, as the config sees it (docs/observability.md, "Local inspector"): the one
 * answer to "do events go to the local inspector, and where does the browser send them".
 * The client builds its inspector client from {@link localInspectorConfig}; the snippet asks
 * {@link sendsToLocalInspector} and {@link browserApiHost}.
 */
import type { JsSource, PosthogConfig } from './types.js';

/**
 * The project key of inspector mode. Not a PostHog key: events sent with it go to the local
 * inspector only, and `posthogInspector` accepts it where it refuses a real `POSTHOG_API_KEY`.
 *
 * @example
 * loadConfig(process.env, { apiKey: INSPECTOR_API_KEY, host: 'http://127.0.0.1:3000/_inspector' });
 */
export const INSPECTOR_API_KEY = 'phc_local_inspector';

/**
 * Whether this config sends to the local inspector (its key is {@link INSPECTOR_API_KEY}).
 * Only then does the browser snippet turn posthog-js's bot filter off, so that headless and
 * automated browsers (end-to-end tests) show up locally.
 *
 * @example
 * sendsToLocalInspector(loadConfig({})); // false
 */
export function sendsToLocalInspector(config: PosthogConfig): boolean {
  return config.apiKey === INSPECTOR_API_KEY;
}

/**
 * Where the browser sends its events (posthog-js's `api_host`) when no option says: in
 * inspector mode the host's path (`/_inspector`), on the page's own origin, which is the
 * inspector's; otherwise the host itself.
 *
 * @example
 * browserApiHost(localInspectorConfig(base, { path: '/_inspector', jsSrc: 'cdn' })); // '/_inspector'
 */
export function browserApiHost(config: PosthogConfig): string {
  if (!sendsToLocalInspector(config)) return config.host;
  try {
    return new URL(config.host).pathname.replace(/\/+$/, '');
  } catch {
    return config.host;
  }
}

/**
 * The host the server client of the one-line inspector posts to before it knows the app's
 * address: its origin is replaced by the address of the first request the inspector sees.
 */
export const UNRESOLVED_INSPECTOR_ORIGIN = 'http://localhost';

/**
 * The config of the one-line inspector (`app.use(posthogInspector())`): the base settings
 * (identify mode, replay, environment, release, shutdown bound, logger) with the inspector's
 * key, a host on the app's own origin, no secret key, no first-party proxy, and environment
 * `local` when none resolved.
 *
 * @param base - the config read from the environment (no key, not production).
 * @param where - the inspector's mount path and where the browser loads posthog-js from.
 * @returns the frozen inspector-mode config.
 * @example
 * const config = localInspectorConfig(loadConfig(), { path: '/_inspector', jsSrc: 'self' });
 */
export function localInspectorConfig(
  base: PosthogConfig,
  where: { readonly path: string; readonly jsSrc: JsSource },
): PosthogConfig {
  const host = `${UNRESOLVED_INSPECTOR_ORIGIN}${where.path}`;
  const config: PosthogConfig = {
    ...base,
    enabled: true,
    apiKey: INSPECTOR_API_KEY,
    host,
    uiHost: host,
    uiHostExplicit: false,
    assetsHost: base.assetsHost,
    secretKey: undefined,
    jsSrc: where.jsSrc,
    firstParty: false,
    environment: base.environment === 'unknown' ? 'local' : base.environment,
  };
  Object.defineProperty(config, 'secretKey', { value: undefined, enumerable: false });
  return Object.freeze(config);
}
