/**
 * The proxy's own answers — refusals and failures — as
 * `{"type":"proxy_error","detail":…}` (docs/observability.md, "posthogProxy").
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { PROXY_RESPONSE_HEADERS } from './headers.js';

/** The statuses the proxy answers itself. */
export type ProxyStatus = 400 | 404 | 405 | 413 | 502 | 504;

/** True while the browser may still be sending a body the proxy will not read. */
function bodyUnread(req: IncomingMessage): boolean {
  const expected =
    req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length']) > 0;
  return expected && !req.complete;
}

/**
 * Answers `status` with the proxy's JSON, or cuts the response when its head already
 * went. With a body still coming, the connection is closed after the answer rather than
 * read to its end (a 413 must not read the 2 GB it refuses).
 *
 * @example
 * answerProxyError(req, res, 404, 'not a PostHog path');
 */
export function answerProxyError(
  req: IncomingMessage,
  res: ServerResponse,
  status: ProxyStatus,
  detail: string,
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify({ type: 'proxy_error', detail });
  res.writeHead(status, {
    ...PROXY_RESPONSE_HEADERS,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    ...(status === 405 ? { allow: 'GET, HEAD, POST' } : {}),
    ...(bodyUnread(req) ? { connection: 'close' } : {}),
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}
