import { createHash } from 'node:crypto';

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
