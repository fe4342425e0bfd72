/**
 * Whether a shared cache (a CDN, a proxy) may store a response, by its final headers, after
 * RFC 9111 and RFC 9213 (docs/observability.md, "Identity and caches"). The snippet carries
 * the user's identity only in a response that no shared cache may store. Pure.
 */

import { type HeaderValue, headerText, parseCacheControl } from './header-values.js';

/**
 * A response's headers as a `ServerResponse` exposes them: one by name, and the names present
 * (lower-cased). A response is one, so a caller passes it as it is, with no reader built per
 * response.
 */
export interface HeaderSource {
  getHeader(name: string): HeaderValue;
  getHeaderNames(): readonly string[];
}

/** Headers that target caches in front of the origin (RFC 9213), besides `*-CDN-Cache-Control`. */
const CDN_HEADERS = ['cdn-cache-control', 'surrogate-control'];
const TARGETED_CDN_HEADER = /^[a-z0-9-]+-cdn-cache-control$/i;

/**
 * True when no shared cache may store the response, so the user's identity may go into it:
 * - `Cache-Control` has an unqualified `private` or `no-store`; or
 * - it has no explicit freshness at all — no `public`, `max-age`, `s-maxage` in
 *   `Cache-Control`, no `Expires` — and no cache-targeted header (`CDN-Cache-Control`,
 *   `Surrogate-Control`, or any `*-CDN-Cache-Control` such as Cloudflare's, Vercel's,
 *   Netlify's).
 *
 * `private="Set-Cookie"` (with field names) only withholds those fields, so it does not count
 * as `private`.
 * @param headers the response (or any {@link HeaderSource}); the names are listed only when
 *   `Cache-Control` and `Expires` have not decided.
 * @example
 * isPrivateToUser(res); // true for a response with no caching headers
 * const headers = { 'cache-control': 'max-age=60' };
 * isPrivateToUser({ getHeader: (n) => headers[n], getHeaderNames: () => Object.keys(headers) }); // false
 */
export function isPrivateToUser(headers: HeaderSource): boolean {
  const cacheControl = headerText(headers.getHeader('cache-control'));
  const directives = cacheControl === undefined ? undefined : parseCacheControl(cacheControl);
  if (directives && (directives.get('private') === true || directives.has('no-store'))) {
    return true;
  }
  if (
    directives &&
    (directives.has('public') || directives.has('max-age') || directives.has('s-maxage'))
  ) {
    return false;
  }
  if (headers.getHeader('expires') !== undefined) return false;
  return !headers
    .getHeaderNames()
    .some((name) => CDN_HEADERS.includes(name) || TARGETED_CDN_HEADER.test(name));
}

/**
 * The `Cache-Control` a response that carries the user's identity must go out with, or
 * `undefined` when the app's already keeps it out of shared caches: `private` as the whole
 * header when there is none, appended to the app's directives when they have neither
 * `private` nor `no-store` (`no-cache`, `must-revalidate`, `proxy-revalidate`,
 * `stale-while-revalidate`, `stale-if-error`, `immutable`: without freshness a shared cache
 * may still store the response with heuristic freshness). Asked on the final headers, of a
 * response {@link isPrivateToUser} allowed the identity into.
 * @param cacheControl the response's `Cache-Control`, as `res.getHeader()` returns it.
 * @example
 * privateCacheControl(undefined); // 'private'
 * privateCacheControl('must-revalidate'); // 'must-revalidate, private'
 * privateCacheControl('no-store'); // undefined
 */
export function privateCacheControl(cacheControl: HeaderValue): string | undefined {
  const text = headerText(cacheControl);
  if (text === undefined || text.trim() === '') return 'private';
  const directives = parseCacheControl(text);
  if (directives.get('private') === true || directives.has('no-store')) return undefined;
  return `${text}, private`;
}
