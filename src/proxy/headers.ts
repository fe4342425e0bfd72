/**
 * The headers the first-party proxy lets through, each way, by allow-list
 * (docs/observability.md, "posthogProxy"). Pure: plain header objects in and out.
 */
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';

/**
 * Request headers PostHog needs: how to read the body, who the browser is, what it
 * accepts, where the page is. Everything else stays on the app's side: `Cookie`,
 * `Authorization`, `Referer` (it carries the page's query), CSRF tokens, API keys, and
 * client-sent `Forwarded`/`X-Forwarded-*`/`X-Real-IP` (the proxy builds its own).
 */
export const REQUEST_HEADERS: readonly string[] = [
  'content-type',
  'content-encoding',
  'content-length',
  'user-agent',
  'accept',
  'accept-encoding',
  'accept-language',
  'origin',
];

/**
 * Response headers passed back: how to read the body, how long to cache it, when to
 * retry (posthog-js reads `Retry-After`). Never `Set-Cookie`, CORS, `Clear-Site-Data`,
 * `Refresh`, HSTS, CSP or anything else that would act on the app's origin; `Location`
 * only as {@link downstreamResponseHeaders} rewrites it.
 */
export const RESPONSE_HEADERS: readonly string[] = [
  'content-type',
  'content-encoding',
  'content-length',
  'cache-control',
  'expires',
  'etag',
  'last-modified',
  'age',
  'vary',
  'date',
  'retry-after',
];

/**
 * Set by the proxy on every answer: no MIME sniffing, and a document policy that makes
 * an upstream page opened directly on the app's origin inert (a sandbox with nothing
 * allowed). Neither affects a script, a fetch or a beacon, which is all posthog-js does.
 */
export const PROXY_RESPONSE_HEADERS: Readonly<Record<string, string>> = {
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'; sandbox",
};

function copyAllowed(
  headers: IncomingHttpHeaders,
  names: readonly string[],
  out: OutgoingHttpHeaders,
): void {
  for (const name of names) {
    const value = headers[name];
    if (typeof value === 'string' || Array.isArray(value)) out[name] = value;
  }
}

/**
 * The headers sent upstream: the {@link REQUEST_HEADERS} the browser sent, `Host` of the
 * upstream, and `X-Forwarded-For` set to `clientAddress` alone (never appended to what
 * the client claimed).
 *
 * @param headers - the browser's request headers.
 * @param upstreamHost - `Host` for the upstream (`eu.i.posthog.com`).
 * @param clientAddress - the client's IP address, as `trust proxy` resolves it; omitted when unknown.
 * @example
 * upstreamRequestHeaders(req.headers, 'eu.i.posthog.com', '203.0.113.7');
 */
export function upstreamRequestHeaders(
  headers: IncomingHttpHeaders,
  upstreamHost: string,
  clientAddress: string | undefined,
): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  copyAllowed(headers, REQUEST_HEADERS, out);
  if (clientAddress) out['x-forwarded-for'] = clientAddress;
  out.host = upstreamHost;
  return out;
}

/**
 * The headers sent back to the browser: the upstream's {@link RESPONSE_HEADERS}, a
 * `Location` only when `relocate` maps it to a first-party URL, and
 * {@link PROXY_RESPONSE_HEADERS}.
 *
 * @param headers - the upstream's response headers.
 * @param relocate - maps an upstream `Location` to the proxy's own path, or `undefined` to drop it.
 * @example
 * res.writeHead(answer.statusCode ?? 502, downstreamResponseHeaders(answer.headers, () => undefined));
 */
export function downstreamResponseHeaders(
  headers: IncomingHttpHeaders,
  relocate: (location: string) => string | undefined,
): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  copyAllowed(headers, RESPONSE_HEADERS, out);
  const location = typeof headers.location === 'string' ? relocate(headers.location) : undefined;
  if (location !== undefined) out.location = location;
  return Object.assign(out, PROXY_RESPONSE_HEADERS);
}
