/** `text/html` or `application/xhtml+xml` named in an `Accept` value. */
const NAMES_PAGE = /\b(?:text\/html|application\/xhtml\+xml)\b/i;

/**
 * True when the request asks for a page by name: `Accept` names `text/html` or
 * `application/xhtml+xml`, as every browser navigation and frame load does (`*\/*` does not).
 * @example
 * namesPage('text/html,application/xhtml+xml,*\/*;q=0.8'); // true
 * namesPage('*\/*'); // false
 */
export function namesPage(accept: unknown): boolean {
  return typeof accept === 'string' && NAMES_PAGE.test(accept);
}
