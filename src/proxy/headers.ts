import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';

/** Headers that describe one connection, not the message: never forwarded (RFC 9110 §7.6.1). */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** The hop-by-hop headers of a message: the fixed list plus those its `Connection` names. */
function hopByHop(headers: IncomingHttpHeaders): Set<string> {
  const names = new Set(HOP_BY_HOP);
  for (const name of String(headers.connection ?? '').split(',')) {
    const trimmed = name.trim().toLowerCase();
    if (trimmed) names.add(trimmed);
  }
  return names;
}

/**
 * The headers sent upstream: the browser's, minus hop-by-hop headers and cookies
 * (the app's cookies are none of PostHog's business), with `Host` rewritten to the
 * upstream and the client's address appended to `X-Forwarded-For`.
 *
 * @example
 * upstreamRequestHeaders(req.headers, 'eu.i.posthog.com', '203.0.113.7');
 */
export function upstreamRequestHeaders(
  headers: IncomingHttpHeaders,
  upstreamHost: string,
  clientAddress: string | undefined,
): OutgoingHttpHeaders {
  const drop = hopByHop(headers);
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || drop.has(name) || name === 'host' || name === 'cookie') continue;
    if (name === 'x-forwarded-for') continue;
    out[name] = value;
  }
  const earlier = headers['x-forwarded-for'];
  const chain = [Array.isArray(earlier) ? earlier.join(', ') : earlier, clientAddress]
    .filter((part): part is string => typeof part === 'string' && part.trim() !== '')
    .join(', ');
  if (chain) out['x-forwarded-for'] = chain;
  out.host = upstreamHost;
  return out;
}

/**
 * The headers sent back to the browser: the upstream's, minus hop-by-hop headers
 * and `Set-Cookie` (PostHog must not set cookies on the app's origin).
 *
 * @example
 * res.writeHead(upstream.statusCode ?? 502, downstreamResponseHeaders(upstream.headers));
 */
export function downstreamResponseHeaders(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const drop = hopByHop(headers);
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || drop.has(name) || name === 'set-cookie') continue;
    out[name] = value;
  }
  return out;
}
