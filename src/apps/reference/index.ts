/**
 * `express-posthog/app`: the reference app (docs/observability.md, "The reference app"), its server with graceful
 * shutdown, and `npm start`'s wiring (the local inspector without a key).
 * @packageDocumentation
 */

export { type AppConfig, loadAppConfig } from '../../core/config/app.js';
export { type CreateAppOptions, createApp } from './create-app.js';
export { type ServedApp, type ServeOptions, serveApp } from './serve.js';
export {
  type ReferenceAppMode,
  type StartedReferenceApp,
  type StartReferenceAppOptions,
  startReferenceApp,
} from './start.js';
