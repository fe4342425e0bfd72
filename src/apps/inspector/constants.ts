/**
 * The project key the reference app uses in inspector mode. Not a PostHog key: events
 * sent with it go to the local inspector only, and `posthogInspector` accepts it where
 * it refuses a real `POSTHOG_API_KEY`.
 *
 * @example
 * const config = loadConfig(process.env, { apiKey: INSPECTOR_API_KEY, host: 'http://127.0.0.1:3000/_inspector' });
 */
export const INSPECTOR_API_KEY = 'phc_local_inspector';

/**
 * Where `npm start` mounts the inspector, and where both SDKs then send.
 *
 * @example
 * app.use(DEFAULT_INSPECTOR_PATH, posthogInspector());
 */
export const DEFAULT_INSPECTOR_PATH = '/_inspector';
