/** Request headers the scenarios send, and the marker of an injected page. */
export const BROWSER_HTML = {
  accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
};
export const BROWSER_ENCODING = { 'accept-encoding': 'gzip, deflate, br' };
/** A client that takes gzip but not brotli: compression() answers with gzip. */
export const GZIP_ENCODING = { 'accept-encoding': 'gzip, deflate' };
export const API_CLIENT = { accept: 'application/json', 'accept-encoding': 'gzip, deflate, br' };
/** What `fetch()` sends by default: the middleware cannot tell it from a page load. */
export const FETCH_DEFAULT = { accept: '*/*', 'accept-encoding': 'gzip, deflate, br' };
/** What a browser sends for a `<script src>`. */
export const SCRIPT_REQUEST = { accept: '*/*' };
/** The attribute every tag the package splices carries. */
export const MARKER = 'data-express-posthog';
