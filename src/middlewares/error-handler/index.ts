export type { ErrorDebugDetails, ErrorPageDetails } from './error-response.js';
export {
  type PosthogErrorHandlerOptions,
  posthogErrorHandler,
  type RenderErrorPage,
} from './posthog-error-handler.js';
