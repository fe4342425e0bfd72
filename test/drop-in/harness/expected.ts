/**
 * The oracle's own reading of where the snippet belongs, written from docs/drop-in.md and
 * independent of the package's code: a few regular expressions over the baseline body, enough
 * for the matrix's corpus (which holds no CDATA, no script escape states, no UTF-16). The
 * tokenizer's hard cases are the property tests' job, not this file's.
 */

/** Raw-text and escapable raw-text elements: a `</head>` inside them is text, not a tag. */
const RAW_TEXT =
  /<(script|style|textarea|title|xmp|iframe|noembed|noframes|noscript)\b[^>]*>[\s\S]*?<\/\1\s*>/gi;
const COMMENT = /<!--[\s\S]*?(?:-->|$)/g;

/** The body as latin1 text (one char per byte, so indexes are byte offsets), markup only. */
function markupOnly(body: Buffer): string {
  const blank = (m: string) => ' '.repeat(m.length);
  return body.toString('latin1').replace(COMMENT, blank).replace(RAW_TEXT, blank);
}

/**
 * The byte offset where one snippet goes into `body`, or undefined when the body is not a
 * page (a fragment): before the first real `</head>`; else right after the `<body …>` tag;
 * else, for a document that starts with a doctype or `<html>`, right after the `<html …>`
 * tag, or after the doctype.
 */
export function insertionPoint(body: Buffer): number | undefined {
  const text = markupOnly(body);
  const head = /<\/head\s*>/i.exec(text);
  if (head) return head.index;
  const open = /<body(?:\s[^>]*)?>/i.exec(text);
  if (open) return open.index + open[0].length;
  const start = /^\s*(?:<!doctype[^>]*>)?/i.exec(text);
  const html = /^\s*(?:<!doctype[^>]*>\s*)?<html(?:\s[^>]*)?>/i.exec(text);
  if (html) return html.index + html[0].length;
  if (start && /<!doctype/i.test(start[0])) return start.index + start[0].length;
  return undefined;
}

/** A script that already carries the marker, or calls `posthog.init(`: the page is left alone. */
export function isGuarded(body: Buffer): boolean {
  const text = body.toString('latin1').replace(COMMENT, '');
  for (const match of text.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script\s*>/gi)) {
    if (/data-express-posthog/i.test(match[1] ?? '')) return true;
    if ((match[2] ?? '').includes('posthog.init(')) return true;
  }
  return false;
}

/** What the package's request check lets through: `Accept` absent, empty, or open to a page. */
export function acceptMayTakePage(accept: string | undefined): boolean {
  return accept === undefined || accept.trim() === '' || /html|\*\/\*|text\/\*/i.test(accept);
}

const ASCII_COMPATIBLE = /^(?:utf-?8|us-ascii|ascii|iso-8859-\d+|latin1|windows-125\d|cp125\d)$/i;

/** The response headers of docs/drop-in.md's injection rule (status, type, charset, no-transform). */
export function responseMayTakeSnippet(
  status: number,
  contentType: string | undefined,
  cacheControl: readonly string[] | undefined,
): boolean {
  if (status < 200 || status > 999 || [204, 205, 206, 304].includes(status)) return false;
  const type = /^\s*([^;\s]+)\s*(?:;(.*))?$/.exec(contentType ?? '');
  if (!type || !['text/html', 'application/xhtml+xml'].includes(type[1]!.toLowerCase()))
    return false;
  const charset = /charset\s*=\s*"?([^";\s]+)/i.exec(type[2] ?? '');
  if (charset && !ASCII_COMPATIBLE.test(charset[1]!)) return false;
  return !(cacheControl ?? []).some((v) => /(?:^|,)\s*no-transform\s*(?:,|$)/i.test(v));
}

/**
 * Whether a shared cache may store the response, on its final headers (RFC 9111, RFC 9213):
 * not when `Cache-Control` says `private` or `no-store`; yes when it gives explicit freshness
 * (`public`, `max-age`, `s-maxage`, `Expires`) or there is any CDN-targeted cache header.
 */
export function sharedCacheMayStore(headers: ReadonlyMap<string, readonly string[]>): boolean {
  const cc = (headers.get('cache-control') ?? []).join(',').toLowerCase();
  const directive = (name: string) => new RegExp(`(?:^|,)\\s*${name}\\b`).test(cc);
  if (directive('private') || directive('no-store')) return false;
  if (directive('public') || directive('max-age') || directive('s-maxage')) return true;
  if (headers.has('expires')) return true;
  for (const name of headers.keys()) {
    if (name === 'surrogate-control' || name === 'cdn-cache-control') return true;
    if (name.endsWith('-cdn-cache-control')) return true;
  }
  return false;
}
