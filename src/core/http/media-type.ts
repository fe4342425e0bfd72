/**
 * The page media types — `text/html` and `application/xhtml+xml`, what a browser renders as a
 * page — asked of a `Content-Type` (docs/observability.md, "The browser
 * snippet"). The one list of them in the package. Pure.
 */

/** The media types of a page, lowercase. */
export const HTML_MEDIA_TYPES: readonly string[] = Object.freeze([
  'text/html',
  'application/xhtml+xml',
]);

/** A page media type at the start of a value, in any case, ending at a delimiter. */
const STARTS_WITH_HTML_TYPE = new RegExp(
  `^\\s*(?:${HTML_MEDIA_TYPES.map((type) => type.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('|')})\\b`,
  'i',
);

/**
 * True when a media type essence (already lowercased, without parameters, as
 * `parseContentType` gives it) is a page type.
 * @example
 * isHtmlEssence('application/xhtml+xml'); // true
 */
export function isHtmlEssence(essence: string): boolean {
  return HTML_MEDIA_TYPES.includes(essence);
}

/**
 * True when a `Content-Type` is a page type, by a quick prefix test: the one check every
 * response pays before the full verdict.
 * @example
 * isHtmlType('text/html; charset=utf-8'); // true
 */
export function isHtmlType(contentType: unknown): boolean {
  return STARTS_WITH_HTML_TYPE.test(String(contentType ?? ''));
}
