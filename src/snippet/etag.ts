import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/**
 * The ETag of a body that got `snippet`: the original tag with a short hash of the
 * snippet appended inside the quotes (`"abc"` → `"abc-ph1a2b3c4d"`, weakness kept), so
 * a client holding one user's page never gets a 304 for another's. `undefined` when
 * the original is not a well-formed entity tag (the caller then drops it).
 */
export function snippetEtag(original: string, snippet: Uint8Array): string | undefined {
  const match = /^(W\/)?"([^"]*)"$/.exec(original.trim());
  if (!match) return undefined;
  return `${match[1] ?? ''}"${match[2]}-ph${digestOf(snippet)}"`;
}

/** Digests of snippets seen, by identity: the anonymous snippet is one cached Buffer. */
const digests = new WeakMap<Uint8Array, string>();

function digestOf(snippet: Uint8Array): string {
  let digest = digests.get(snippet);
  if (digest === undefined) {
    digest = createHash('sha1').update(snippet).digest('base64url').slice(0, 10);
    digests.set(snippet, digest);
  }
  return digest;
}

/** The mark {@link snippetEtag} appends inside an entity tag's quotes. */
const MARK = /-ph[A-Za-z0-9_-]{10}"/g;

/**
 * `If-Match` as the app would have received it: every entity tag that {@link snippetEtag}
 * marked loses its mark, so a client that sends back the ETag of the page it was served (an
 * edit form's optimistic concurrency) is compared with the app's own tag, not refused with
 * 412. Anything else in the value is kept as it is.
 * @example
 * unmarkEtags('"abc-ph1a2b3c4d5e", W/"x"'); // '"abc", W/"x"'
 */
export function unmarkEtags(value: string): string {
  return value.includes('-ph') ? value.replace(MARK, '"') : value;
}

/**
 * The preconditions as the app would have received them: `If-Match` and `If-Range` lose the
 * snippet's mark ({@link unmarkEtags}), so an edit form's `PUT` or `express.static`'s check
 * compares the app's own tag. When `If-Range` held a marked tag, `Range` is taken off too: a
 * 206 of the app's body would hold bytes at other offsets than the page the client holds, and
 * the whole page (which the app then answers, with the snippet) is always a right answer to a
 * range request. Edits `headers` in place.
 */
export function unmarkPreconditions(headers: IncomingHttpHeaders): void {
  const ifMatch = headers['if-match'];
  if (ifMatch !== undefined) headers['if-match'] = unmarkEtags(ifMatch);
  const ifRange = headers['if-range'];
  if (typeof ifRange !== 'string') return;
  const own = unmarkEtags(ifRange);
  if (own === ifRange) return;
  headers['if-range'] = own;
  delete headers.range;
}
