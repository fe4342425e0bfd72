/**
 * Every header edit the snippet makes, decided once, on the response's final headers
 * (docs/observability.md, "Headers"). Pure: takes the status, a header reader and what
 * happened to the body, and returns the edits; the adapter applies them right before the
 * headers leave.
 */

import { type Conditionals, isFresh } from '../core/http/conditional.js';
import type { HeaderValue } from '../core/http/header-values.js';
import { type HeaderSource, privateCacheControl } from '../core/http/shared-cache.js';
import { snippetEtag } from './etag.js';

/**
 * What happened to the body: the snippet went in; nothing changed (a fragment, a guarded
 * page, a page past the cap, a response that is not a page); or not known when the headers
 * leave (a `HEAD` request, headers flushed before the body) and taken as changed.
 */
export type BodyChange = 'changed' | 'unchanged' | 'unknown';

/** What {@link planHeaders} looks at. */
export interface PlanInput {
  readonly method: string;
  readonly status: number;
  /**
   * The response's headers (the response itself): each header the plan needs is read once,
   * and the names are listed only for a 304.
   */
  readonly headers: HeaderSource;
  readonly body: BodyChange;
  /** The snippet's bytes, when the body changed or may have. */
  readonly snippet: Uint8Array | undefined;
  /** The snippet carries a logged-in user's identity. */
  readonly carriesUser: boolean;
  /** Conditional headers taken off the request, if any. */
  readonly conditionals: Conditionals | undefined;
}

/** Header edits, applied in order: `set`, then `remove`, then the status. */
export interface HeaderEdits {
  /** 304 when the client's copy is current, else `undefined` (the app's status stands). */
  readonly status: 304 | undefined;
  readonly set: ReadonlyArray<readonly [string, string | number]>;
  readonly remove: readonly string[];
}

/** No edits: the response goes out as the app made it. */
export const NO_EDITS: HeaderEdits = Object.freeze({
  status: undefined,
  set: Object.freeze([]),
  remove: Object.freeze([]),
});

/**
 * The header edits for one response:
 * - body changed (or unknown): `Last-Modified` dropped; `ETag` marked with the snippet's
 *   hash (dropped when malformed); `Content-Length` dropped when the body is unknown (a
 *   changed body's was raised by {@link lengthWithSnippet} when the snippet went in); when the snippet carries a user, `Cache-Control: private`
 *   added, or `private` appended to the app's directives when they have neither `private`
 *   nor `no-store` (see `privateCacheControl`);
 * - body unchanged: the app's validators and length, untouched;
 * - a conditional GET or HEAD whose 2xx answer the client already holds (by the validators
 *   above, as Express's `req.fresh` compares them; a HEAD by the app's own validators too): 304, without the `Content-*` headers
 *   (but `Content-Location`) and `Transfer-Encoding`.
 * @example
 * planHeaders({ method: 'GET', status: 200, headers: res, // Content-Length: 100
 *   body: 'changed', snippet: Buffer.from('<script></script>'), carriesUser: false,
 *   conditionals: undefined });
 * // { status: undefined, set: [], remove: ['Last-Modified'] }
 */
export function planHeaders(input: PlanInput): HeaderEdits {
  const { headers, body, snippet } = input;
  const ownEtag = headers.getHeader('etag');
  const ownLastModified = headers.getHeader('last-modified');
  let etag = ownEtag;
  let lastModified = ownLastModified;
  const set: Array<readonly [string, string | number]> = [];
  const remove: string[] = [];
  if (body !== 'unchanged' && snippet !== undefined) {
    if (lastModified !== undefined) remove.push('Last-Modified');
    lastModified = undefined;
    if (etag !== undefined) {
      etag = snippetEtag(String(etag), snippet);
      if (etag === undefined) remove.push('ETag');
      else set.push(['ETag', etag]);
    }
    // A changed body's length was raised when the snippet went in (`lengthWithSnippet`), so
    // that a middleware registered before this one, which measures the body it is handed,
    // may set it again; an unknown body's length cannot be known.
    if (body === 'unknown' && headers.getHeader('content-length') !== undefined)
      remove.push('Content-Length');
    const cacheControl = input.carriesUser
      ? privateCacheControl(headers.getHeader('cache-control'))
      : undefined;
    if (cacheControl !== undefined) set.push(['Cache-Control', cacheControl]);
  }
  const notModified =
    input.conditionals !== undefined &&
    (input.method === 'GET' || input.method === 'HEAD') &&
    input.status >= 200 &&
    input.status < 300 &&
    (isFresh(input.conditionals, etag, lastModified) ||
      // A HEAD has no body to judge: the client may hold the GET's marked validators (a page)
      // or the app's own (a fragment, a guarded page), and either is current.
      (input.method === 'HEAD' && isFresh(input.conditionals, ownEtag, ownLastModified)));
  if (notModified) {
    for (const name of headers.getHeaderNames()) {
      if (
        (name.startsWith('content-') && name !== 'content-location') ||
        name === 'transfer-encoding'
      ) {
        remove.push(name);
      }
    }
  }
  if (!notModified && set.length === 0 && remove.length === 0) return NO_EDITS;
  return { status: notModified ? 304 : undefined, set, remove };
}

/**
 * The `Content-Length` of a body the snippet went into: the app's raised by the snippet's
 * byte length, `null` when the app's is not a byte count (it must be dropped), `undefined`
 * when the app set none. Asked when the snippet goes in, before the spliced bytes are handed
 * on, so that a middleware registered earlier that measures the body it gets (and sets the
 * length again) has the last word.
 * @example
 * lengthWithSnippet('100', Buffer.from('<script></script>')); // 117
 */
export function lengthWithSnippet(
  length: HeaderValue,
  snippet: Uint8Array,
): number | null | undefined {
  if (length === undefined) return undefined;
  const value = Number(length);
  return Number.isSafeInteger(value) && value >= 0 ? value + snippet.length : null;
}
