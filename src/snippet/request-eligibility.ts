/**
 * What a request says about the snippet, before the app runs: its `Accept` header, and the
 * path its log lines name.
 * Pure: takes what Node parsed.
 */

/** Any range under which a browser could still be given a page to render. */
const MAY_TAKE_PAGE = /html|\*\/\*|text\/\*/i;

/**
 * False when the request cannot be a browser loading a page: it has an `Accept` header that
 * names no HTML type (`text/html`, `application/xhtml+xml`, or any other `…html…` type), no
 * `text/*` and no `*\/*` — an API client asking for `application/json`, an image or a font.
 * Whatever such a request is answered with is not run as a page, so the snippet middleware
 * steps aside at once, without wrapping the response (and says `Vary: Accept`, so that a
 * cache never hands that answer to a browser). An absent, empty or unreadable `Accept` may
 * take anything (curl, `http.request`, some crawlers), so it stays eligible, as does `*\/*`
 * (`fetch()`'s default, a service worker's precache, a `<link rel=prefetch>` in Firefox).
 * `q=0` is not read: an explicit refusal of HTML is rare enough that the response-time checks
 * (Content-Type and the rest) decide it.
 * @param accept the request's `Accept` header.
 * @example
 * mayTakePage('application/json'); // false
 * mayTakePage('application/json, text/plain, *\/*'); // true (axios' default)
 * mayTakePage(undefined); // true
 */
export function mayTakePage(accept: unknown): boolean {
  return typeof accept !== 'string' || accept.trim() === '' || MAY_TAKE_PAGE.test(accept);
}
