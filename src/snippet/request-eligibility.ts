/**
 * What a request's headers say about the snippet, decided before the app runs. Pure: takes
 * header values as Node parses them.
 */

/** `text/html` or `application/xhtml+xml` named in an `Accept` value. */
const NAMES_PAGE = /\b(?:text\/html|application\/xhtml\+xml)\b/i;

/** Any range under which a browser could still be given a page to render. */
const MAY_TAKE_PAGE = /html|\*\/\*|text\/\*/i;

/**
 * `Sec-Fetch-Dest` values of the requests whose answer a browser may render as a document:
 * navigations and the embedded browsing contexts. Every other destination (`empty` for
 * `fetch()` and XHR, `script`, `style`, `image`, `font`, `worker`, …) never runs a page.
 */
const DOCUMENT_DESTINATIONS: ReadonlySet<string> = new Set([
  'document',
  'iframe',
  'frame',
  'fencedframe',
  'embed',
  'object',
]);

/**
 * True when the request explicitly asks for a page: `Accept` names `text/html` or
 * `application/xhtml+xml`, as every browser navigation and frame load does. Only such
 * requests have their conditional headers taken over by the snippet middleware.
 * @param accept the request's `Accept` header.
 * @example
 * namesPage('text/html,application/xhtml+xml,*\/*;q=0.8'); // true
 * namesPage('*\/*'); // false
 */
export function namesPage(accept: string | undefined): boolean {
  return accept !== undefined && NAMES_PAGE.test(accept);
}

/** The request headers {@link mayTakePage} reads. */
export interface PageRequestHeaders {
  readonly accept?: string | undefined;
  readonly 'sec-fetch-dest'?: string | string[] | undefined;
  readonly 'sec-purpose'?: string | string[] | undefined;
  readonly purpose?: string | string[] | undefined;
  readonly 'x-purpose'?: string | string[] | undefined;
  readonly 'x-moz'?: string | string[] | undefined;
}

/**
 * A prefetch (`<link rel=prefetch>`, speculation rules, Safari's previews): the browser may
 * keep the answer and show it for a later navigation, so it must be the page a navigation
 * would get. Browsers name it differently: `Sec-Purpose` (the standard), `Purpose` (Chrome),
 * `X-Purpose` (Safari), `X-Moz` (older Firefox).
 */
function isPrefetch(headers: PageRequestHeaders): boolean {
  return (
    headers['sec-purpose'] !== undefined ||
    headers.purpose !== undefined ||
    headers['x-purpose'] !== undefined ||
    headers['x-moz'] !== undefined
  );
}

/**
 * False when the request cannot be a browser loading a page, so the snippet middleware can
 * step aside at once, without wrapping the response:
 *
 * - a browser said where the answer goes (`Sec-Fetch-Dest`, sent over HTTPS and to
 *   localhost) and it is not a document or a frame — `fetch()`, XHR, a script, an image —
 *   unless the request asks for HTML by name (Turbo and htmx fetch pages to show them) or is
 *   a prefetch (whose answer a later navigation may use);
 * - or `Accept` is present and names no HTML type (`text/html`, `application/xhtml+xml`, any
 *   other `…html…` type), no `text/*` and no `*\/*` — an API client asking for
 *   `application/json`, an image or a font.
 *
 * Whatever such a request is answered with is not run as a page. A request with neither
 * header, or with `*\/*` and no `Sec-Fetch-Dest` (curl, `http.request`, `fetch()` over plain
 * HTTP), stays eligible. `q=0` is not read.
 * @param headers the request's headers.
 * @example
 * mayTakePage({ accept: 'application/json' }); // false
 * mayTakePage({ accept: '*\/*', 'sec-fetch-dest': 'empty' }); // false: fetch() from a page
 * mayTakePage({ accept: 'application/json, text/plain, *\/*' }); // true (axios, plain HTTP)
 * mayTakePage({}); // true
 */
export function mayTakePage(headers: PageRequestHeaders): boolean {
  const accept = headers.accept;
  const destination = headers['sec-fetch-dest'];
  if (
    typeof destination === 'string' &&
    !DOCUMENT_DESTINATIONS.has(destination.toLowerCase()) &&
    !namesPage(accept) &&
    !isPrefetch(headers)
  ) {
    return false;
  }
  return accept === undefined || accept.trim() === '' || MAY_TAKE_PAGE.test(accept);
}
