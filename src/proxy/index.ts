/** The first-party reverse proxy to PostHog (docs/observability.md, "posthogProxy"). */

export {
  downstreamResponseHeaders,
  PROXY_RESPONSE_HEADERS,
  REQUEST_HEADERS,
  RESPONSE_HEADERS,
  upstreamRequestHeaders,
} from './headers.js';
export type { PosthogProxyOptions } from './options.js';
export { classifyPath, type PathDecision, PROXIED_PATHS, type ProxiedPath } from './paths.js';
export { type PosthogProxyMiddleware, posthogProxy } from './posthog-proxy.js';
