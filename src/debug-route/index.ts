export {
  DEBUG_ERROR_KINDS,
  DEFAULT_DEBUG_MESSAGE,
  debugError,
  MAX_DEBUG_MESSAGE_CHARS,
} from './debug-error.js';
export { type DebugRouterOptions, debugRouter } from './debug-router.js';
