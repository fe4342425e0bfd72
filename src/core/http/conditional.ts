/**
 * Conditional page requests (`If-None-Match`, `If-Modified-Since`). The snippet middleware
 * takes them off the request, so the app renders the whole page, and answers 304 itself once
 * it knows whether the body changed (docs/observability.md, "Validators and 304"). Pure; the
 * freshness rule is the one Express applies (`req.fresh`).
 */

import { type HeaderValue, parseCacheControl } from './header-values.js';

/** The conditional headers a request carried. */
export interface Conditionals {
  readonly ifNoneMatch: string | undefined;
  readonly ifModifiedSince: string | undefined;
  /** The request's own `Cache-Control`: `no-cache` asks for a full answer. */
  readonly cacheControl: string | undefined;
}

/** A request's headers, as Node parses them. */
type RequestHeaders = Record<string, string | string[] | undefined>;

/**
 * Takes `If-None-Match` and `If-Modified-Since` off a GET or HEAD request's headers.
 * @returns what was taken, or `undefined` when the request had neither (nothing changed).
 */
export function takeConditionals(
  method: string | undefined,
  headers: RequestHeaders,
): Conditionals | undefined {
  if (method !== 'GET' && method !== 'HEAD') return undefined;
  const ifNoneMatch = headers['if-none-match'];
  const ifModifiedSince = headers['if-modified-since'];
  if (ifNoneMatch === undefined && ifModifiedSince === undefined) return undefined;
  delete headers['if-none-match'];
  delete headers['if-modified-since'];
  const cacheControl = headers['cache-control'];
  return {
    ifNoneMatch: typeof ifNoneMatch === 'string' ? ifNoneMatch : undefined,
    ifModifiedSince: typeof ifModifiedSince === 'string' ? ifModifiedSince : undefined,
    cacheControl: typeof cacheControl === 'string' ? cacheControl : undefined,
  };
}

/** Puts taken conditionals back, for an app that answers a non-page response itself. */
export function restoreConditionals(headers: RequestHeaders, taken: Conditionals): void {
  if (taken.ifNoneMatch !== undefined) headers['if-none-match'] = taken.ifNoneMatch;
  if (taken.ifModifiedSince !== undefined) headers['if-modified-since'] = taken.ifModifiedSince;
}

/**
 * True when the client's copy is current: its `If-None-Match` names `etag` (weak comparison,
 * or `*`), and its `If-Modified-Since` is not before `lastModified` — each only when sent.
 * A request with `Cache-Control: no-cache` is never fresh.
 * @example
 * isFresh({ ifNoneMatch: '"a"', ifModifiedSince: undefined, cacheControl: undefined }, '"a"', undefined); // true
 */
export function isFresh(
  conditionals: Conditionals,
  etag: HeaderValue,
  lastModified: HeaderValue,
): boolean {
  const { ifNoneMatch, ifModifiedSince, cacheControl } = conditionals;
  if (ifNoneMatch === undefined && ifModifiedSince === undefined) return false;
  if (cacheControl !== undefined && parseCacheControl(cacheControl).has('no-cache')) return false;
  if (ifNoneMatch !== undefined && !matchesIfNoneMatch(ifNoneMatch, etag)) return false;
  if (ifModifiedSince !== undefined) {
    const since = Date.parse(ifModifiedSince);
    const modified = typeof lastModified === 'string' ? Date.parse(lastModified) : Number.NaN;
    if (!(modified <= since)) return false;
  }
  return true;
}

/**
 * True when an `If-None-Match` value matches the current `etag`: it is `*` (any current
 * representation, with or without an ETag), or it names the tag, comparing weakly (`W/"x"` matches `"x"`). The one If-None-Match test of the package:
 * the snippet's page validators and its immutable assets both ask it.
 * @example
 * matchesIfNoneMatch('W/"a", "b"', '"a"'); // true
 * matchesIfNoneMatch('*', '"a"'); // true
 */
export function matchesIfNoneMatch(ifNoneMatch: string, etag: HeaderValue): boolean {
  if (ifNoneMatch.trim() === '*') return true;
  if (typeof etag !== 'string') return false;
  const wanted = weak(etag.trim());
  return ifNoneMatch.split(',').some((tag) => weak(tag.trim()) === wanted);
}

function weak(tag: string): string {
  return tag.startsWith('W/') ? tag.slice(2) : tag;
}
