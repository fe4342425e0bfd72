export {
  type ErrorDebugDetails,
  type ErrorPageDetails,
  escapeHtml,
} from './error-response.js';
export {
  type PosthogErrorHandlerOptions,
  posthogErrorHandler,
  type RenderErrorPage,
  type ShouldCapture,
} from './posthog-error-handler.js';
