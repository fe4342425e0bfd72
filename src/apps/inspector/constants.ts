export { INSPECTOR_API_KEY } from '../../core/config/local-inspector.js';

/**
 * Where the inspector answers unless told otherwise (`app.use(posthogInspector())` and
 * `npm start`), and where both SDKs then send.
 *
 * @example
 * app.use(posthogInspector()); // the events page at /_inspector/
 */
export const DEFAULT_INSPECTOR_PATH = '/_inspector';
