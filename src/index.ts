/**
 * express-posthog: make an Express app observable in PostHog.
 *
 * Public API (README.md, docs/observability.md). Everything not re-exported here is
 * internal. The LLM, job and CLI functions are also at `express-posthog/llm`, `/jobs`
 * and `/cli`, which load neither Express nor Nunjucks nor the middlewares.
 * @packageDocumentation
 */

export type { CliContext, RunCliOptions } from './cli/index.js';
export { runCli } from './cli/index.js';
export type { PosthogUser } from './core/attribution/user.js';
export type {
  BeforeSend,
  CaptureExceptionOptions,
  CaptureOptions,
  EventProperties,
  OutgoingEvent,
  PosthogClientOptions,
  PosthogSdk,
} from './core/client/index.js';
export { getPosthog, PosthogClient, resetPosthog } from './core/client/index.js';
export type {
  Env,
  IdentifyMode,
  JsSource,
  PosthogConfig,
  PosthogConfigOptions,
} from './core/config/index.js';
export { loadConfig } from './core/config/index.js';
export type { Logger } from './core/log/index.js';
export { type DebugRouterOptions, debugRouter } from './debug-route/index.js';
export {
  type ErrorDebugDetails,
  type ErrorPageDetails,
  type PosthogErrorHandlerOptions,
  posthogErrorHandler,
  type RenderErrorPage,
  type ShouldCapture,
} from './error-handler/index.js';
export type {
  CaptureJobFailureOptions,
  JobFailureProperties,
  WithJobCaptureOptions,
} from './jobs/index.js';
export { captureJobFailure, withJobCapture } from './jobs/index.js';
export type { GenerationRecorder, GenerationTokens, TraceGenerationOptions } from './llm/index.js';
export { traceGeneration } from './llm/index.js';
export { type PosthogProxyOptions, posthogProxy } from './proxy/index.js';
export {
  type PosthogSnippetMiddleware,
  type PosthogSnippetOptions,
  posthogSnippet,
} from './snippet/index.js';
export { type GetUser, type PosthogUserOptions, posthogUser } from './user/index.js';
