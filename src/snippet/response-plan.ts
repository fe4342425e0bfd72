/**
 * Every header edit the snippet makes, decided once, on the response's final headers
 * (docs/observability.md, "Headers"). Pure: takes the status, a header reader and what
 * happened to the body, and returns the edits; the adapter applies them right before the
 * headers leave.
 */

import { type Conditionals, isFresh } from '../core/http/conditional.js';
import type { HeaderSource } from '../core/http/shared-cache.js';
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
 *   hash (dropped when malformed); `Content-Length` adjusted by the snippet's length, or
 *   dropped when unknowable; `Cache-Control: private` added when the snippet carries a user
 *   and the response had no `Cache-Control`;
 * - body unchanged: the app's validators and length, untouched;
 * - a conditional GET or HEAD whose 2xx answer the client already holds (by the validators
 *   above, as Express's `req.fresh` compares them): 304, without the `Content-*` headers
 *   (but `Content-Location`) and `Transfer-Encoding`.
 * @example
 * planHeaders({ method: 'GET', status: 200, headers: res, // Content-Length: 100
 *   body: 'changed', snippet: Buffer.from('<script></script>'), carriesUser: false,
 *   conditionals: undefined });
 * // { status: undefined, set: [['Content-Length', 117]], remove: ['Last-Modified'] }
 */
export function planHeaders(input: PlanInput): HeaderEdits {
  const { headers, body, snippet } = input;
  let etag = headers.getHeader('etag');
  let lastModified = headers.getHeader('last-modified');
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
    const length = headers.getHeader('content-length');
    if (length !== undefined) {
      const value = Number(length);
      if (body === 'changed' && Number.isSafeInteger(value)) {
        set.push(['Content-Length', value + snippet.length]);
      } else {
        remove.push('Content-Length');
      }
    }
    if (input.carriesUser && headers.getHeader('cache-control') === undefined) {
      set.push(['Cache-Control', 'private']);
    }
  }
  const notModified =
    input.conditionals !== undefined &&
    (input.method === 'GET' || input.method === 'HEAD') &&
    input.status >= 200 &&
    input.status < 300 &&
    isFresh(input.conditionals, etag, lastModified);
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
