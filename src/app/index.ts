/**
 * `express-posthog/app`: the reference app (SPEC §11) and its server with graceful shutdown.
 * @packageDocumentation
 */

export { type AppConfig, loadAppConfig } from '../config/app.js';
export { type CreateAppOptions, createApp } from './create-app.js';
export { type ServedApp, type ServeOptions, serveApp } from './serve.js';
