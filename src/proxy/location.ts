/**
 * An upstream redirect, as the browser may see it on the app's origin
 * (docs/observability.md, "posthogProxy"). Pure.
 */
import type { Upstream } from './options.js';
import { classifyPath, type UpstreamKind } from './paths.js';

/** Where a redirect came from, and where the proxy answers. */
export interface RedirectSource {
  /** The upstream that answered, and which of the two it is. */
  readonly target: Upstream;
  readonly kind: UpstreamKind;
  /** The path and query it was asked for, after the prefix (`/static/array.js`). */
  readonly from: string;
  /** The proxy's public prefix: the app's mount path and `path` (`/_ph/ingest`). */
  readonly prefix: string;
  /** The app's own project key: a redirect to another project's path is dropped. */
  readonly projectKey?: string;
}

/**
 * The `Location` to send the browser for an upstream's `location`: the proxy's own path
 * when it points at the same upstream and at a path the proxy forwards there, else
 * `undefined` (dropped: no redirect off the app's origin, nor to a path the proxy refuses).
 *
 * @example
 * proxiedLocation('/static/1.2.3/array.js', { target, kind: 'assets', from: '/static/array.js', prefix: '/ingest' });
 * // '/ingest/static/1.2.3/array.js'
 */
export function proxiedLocation(location: string, source: RedirectSource): string | undefined {
  const { target, kind, from, prefix, projectKey } = source;
  let url: URL;
  try {
    url = new URL(location, `${target.origin}${target.basePath}${from}`);
  } catch {
    return undefined;
  }
  if (url.origin !== target.origin || !url.pathname.startsWith(`${target.basePath}/`)) {
    return undefined;
  }
  const rest = `${url.pathname.slice(target.basePath.length)}${url.search}`;
  const decision = classifyPath(rest, projectKey);
  if (decision.kind !== 'forward' || decision.upstream !== kind) return undefined;
  return `${prefix}${rest}`;
}
