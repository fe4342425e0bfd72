/**
 * `express-posthog/inspector`: the local inspector (docs/observability.md, "Local inspector"), a PostHog-compatible
 * capture endpoint mounted in the app for development, with an events page.
 * @packageDocumentation
 */

export { DEFAULT_INSPECTOR_PATH, INSPECTOR_API_KEY } from './constants.js';
export type { InspectedEvent } from './events.js';
export {
  type PosthogInspector,
  type PosthogInspectorOptions,
  posthogInspector,
} from './inspector.js';
export type { FlagValue, InspectorFlags } from './remote-config.js';
export type { EventFilter, InspectorStore, StoreStats } from './store.js';
