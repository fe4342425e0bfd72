/** The first-party reverse proxy to PostHog (SPEC §5 `api_host`, issue 6). */

export { downstreamResponseHeaders, upstreamRequestHeaders } from './headers.js';
export { type PosthogProxyOptions, posthogProxy } from './posthog-proxy.js';
