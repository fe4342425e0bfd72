/**
 * Which request paths the first-party proxy forwards, and where (docs/observability.md,
 * "posthogProxy"). Pure: takes the part of the URL after the proxy's prefix, returns a
 * decision. The list is what posthog-js (1.449) itself requests from its API and assets
 * hosts; anything else is refused without touching PostHog.
 */

/** Which PostHog host a path belongs to. */
export type UpstreamKind = 'api' | 'assets';

/** The decision for one path: forward it to an upstream, or refuse it with a status. */
export type PathDecision =
  | { readonly kind: 'forward'; readonly upstream: UpstreamKind; readonly target: string }
  | { readonly kind: 'refuse'; readonly status: 400 | 404; readonly reason: string };

/** One family of paths posthog-js requests. */
export interface ProxiedPath {
  readonly upstream: UpstreamKind;
  /** Matches the raw (not decoded) path, without the query. */
  readonly pattern: RegExp;
  /** What posthog-js sends there, for the operator guide and the tests. */
  readonly what: string;
}

const SEGMENT = '[A-Za-z0-9_-][A-Za-z0-9._-]*';

/** The paths posthog-js requests, by host. Exact shapes: a near miss is a 404. */
export const PROXIED_PATHS: readonly ProxiedPath[] = [
  { upstream: 'api', pattern: /^\/e\/$/, what: 'events (default endpoint)' },
  { upstream: 'api', pattern: /^\/i\/v0\/e\/$/, what: 'events (endpoint from remote config)' },
  { upstream: 'api', pattern: /^\/s\/$/, what: 'session replay snapshots' },
  { upstream: 'api', pattern: /^\/flags\/$/, what: 'feature flags and remote config' },
  { upstream: 'api', pattern: /^\/i\/v1\/(?:logs|metrics)$/, what: 'console logs, metrics' },
  {
    upstream: 'api',
    pattern: /^\/api\/(?:surveys|early_access_features|web_experiments|product_tours)\/$/,
    what: 'surveys, early access features, web experiments, product tours (project token)',
  },
  {
    upstream: 'api',
    pattern:
      /^\/api\/conversations\/v1\/widget\/(?:message|tickets|restore|restore\/request|messages\/[A-Za-z0-9_-]+(?:\/read)?)$/,
    what: 'the conversations widget',
  },
  {
    upstream: 'assets',
    pattern: new RegExp(`^/static/(?:${SEGMENT}/)?${SEGMENT}$`),
    what: 'posthog-js and its lazily loaded extensions',
  },
  {
    upstream: 'assets',
    pattern: /^\/array\/[A-Za-z0-9_-]+\/config(?:\.js)?$/,
    what: 'remote config of the project',
  },
];

/** `.` or `..`, raw or with any of its dots percent-encoded. */
function isDotSegment(segment: string): boolean {
  const decoded = segment.replace(/%2e/gi, '.');
  return decoded === '.' || decoded === '..';
}

/**
 * Decides what happens to `rest`, the request URL after the proxy's prefix (`''`,
 * `'/e/?ip=0'`, `'?x'`). Dot segments (`..`, `%2e%2e`, `.%2E`), encoded slashes
 * (`%2f`, `%5c`) and backslashes are a 400: an upstream or a CDN in front of it may
 * decode or normalise them into a path outside the list. A path outside the list is a 404.
 *
 * @example
 * classifyPath('/e/?compression=gzip-js'); // { kind: 'forward', upstream: 'api', target: '/e/?compression=gzip-js' }
 * classifyPath('/../admin');               // { kind: 'refuse', status: 400, reason: … }
 */
export function classifyPath(rest: string): PathDecision {
  const queryAt = rest.indexOf('?');
  const pathname = queryAt === -1 ? rest : rest.slice(0, queryAt);
  if (pathname.includes('\\')) {
    return { kind: 'refuse', status: 400, reason: 'a backslash in the path' };
  }
  if (/%(?:2f|5c)/i.test(pathname)) {
    return { kind: 'refuse', status: 400, reason: 'an encoded slash in the path' };
  }
  if (pathname.split('/').some(isDotSegment)) {
    return { kind: 'refuse', status: 400, reason: 'a dot segment in the path' };
  }
  const known = PROXIED_PATHS.find((entry) => entry.pattern.test(pathname));
  if (!known) return { kind: 'refuse', status: 404, reason: 'not a PostHog path' };
  return { kind: 'forward', upstream: known.upstream, target: rest };
}
