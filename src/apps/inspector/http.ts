import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname } from 'node:path';
import { locatePeer, packageVersion } from '../../core/package/peer.js';
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
 * The posthog-js dist folder and version, for lazily loaded extensions (`/static/<name>.js`).
 *
 * @example
 * posthogJsDist(); // { dir: '/app/node_modules/posthog-js/dist', version: '1.449.2' }
 */
export function posthogJsDist(): { dir: string; version: string } | undefined {
  const found = locatePeer('posthog-js/dist/array.full.js');
  if (found.path === undefined) return undefined;
  return { dir: dirname(found.path), version: packageVersion('posthog-js', found.path) };
}
