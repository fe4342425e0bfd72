import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname } from 'node:path';
import { addVary } from '../../core/http/vary.js';
import { locatePeer } from '../../core/package/peer.js';
import type { EventFilter } from './store.js';

/**
 * Sends a JSON answer that no cache and no transform (the snippet, compression) touches.
 *
 * @example
 * sendJson(res, 400, { type: 'validation_error', detail: 'the body is not JSON' });
 */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const json = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store, no-transform');
  res.setHeader('Content-Length', Buffer.byteLength(json));
  res.end(json);
}

/**
 * CORS for the capture endpoints: posthog-js may post from another origin that
 * reaches the same app (`localhost` vs `127.0.0.1`).
 *
 * @example
 * allowCors(req, res);
 */
export function allowCors(req: IncomingMessage, res: ServerResponse): void {
  res.setHeader('Access-Control-Allow-Origin', req.headers.origin ?? '*');
  addVary(res, 'Origin');
  res.setHeader('Access-Control-Allow-Methods', 'GET, POST, OPTIONS');
  res.setHeader(
    'Access-Control-Allow-Headers',
    req.headers['access-control-request-headers'] ?? 'Content-Type',
  );
}

/**
 * The path and query of a request URL, relative to the mount point.
 *
 * @example
 * splitUrl(req); // { path: '/e/', query: URLSearchParams { 'compression' => 'base64' } }
 */
export function splitUrl(req: IncomingMessage): { path: string; query: URLSearchParams } {
  const url = req.url ?? '/';
  const mark = url.indexOf('?');
  return mark < 0
    ? { path: url, query: new URLSearchParams() }
    : { path: url.slice(0, mark), query: new URLSearchParams(url.slice(mark + 1)) };
}

/**
 * The event filter from the query (`event`, `user`, `session`, `limit`).
 *
 * @example
 * filterOf(new URLSearchParams('event=$exception')); // { event: '$exception', … }
 */
export function filterOf(query: URLSearchParams): EventFilter {
  const limit = Number(query.get('limit'));
  return {
    event: query.get('event') ?? undefined,
    user: query.get('user') ?? undefined,
    session: query.get('session') ?? undefined,
    limit: Number.isSafeInteger(limit) && limit > 0 ? limit : undefined,
  };
}

/**
 * The posthog-js dist folder, for lazily loaded extensions (`/static/<name>.js`).
 *
 * @example
 * posthogJsDist(); // '/app/node_modules/posthog-js/dist'
 */
export function posthogJsDist(): string | undefined {
  const found = locatePeer('posthog-js/dist/array.full.js');
  return found.path === undefined ? undefined : dirname(found.path);
}
