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

/** The reason given when a path names another project than the app's. */
export const FOREIGN_PROJECT = "another project's key";

/** Query parameters that name a project (posthog-js sends `token`; older clients `api_key`). */
const PROJECT_PARAMETERS = ['token', 'api_key'];

/**
 * The project keys `rest` names: the `<key>` of `/array/<key>/…`, any path segment or query
 * value that looks like a project key (`phc_…`), and the value of a `token` or `api_key`
 * query parameter. Read raw and percent-decoded, so an encoded key is seen too.
 */
function namedProjects(pathname: string, query: string): string[] {
  const named: string[] = [];
  const segments = pathname.split('/');
  if (segments[1] === 'array' && segments[2] !== undefined) named.push(segments[2]);
  let params: URLSearchParams;
  try {
    params = new URLSearchParams(query);
  } catch {
    params = new URLSearchParams();
  }
  for (const [name, value] of params) {
    if (PROJECT_PARAMETERS.includes(name.toLowerCase())) named.push(value);
  }
  for (const piece of [...segments, ...params.values()]) {
    let decoded = piece;
    try {
      decoded = decodeURIComponent(piece);
    } catch {
      // A malformed escape: the raw piece is checked.
    }
    if (/^phc_/i.test(piece) || /^phc_/i.test(decoded)) named.push(decoded);
  }
  return named;
}

/**
 * Decides what happens to `rest`, the request URL after the proxy's prefix (`''`,
 * `'/e/?ip=0'`, `'?x'`). Dot segments (`..`, `%2e%2e`, `.%2E`), encoded slashes
 * (`%2f`, `%5c`) and backslashes are a 400: an upstream or a CDN in front of it may
 * decode or normalise them into a path outside the list. A path outside the list is a 404.
 * With `projectKey`, a path that names another project (`/array/<key>/config.js`, a
 * `token=` in the query, any `phc_…` segment or value) is a 404 too: the app's origin never
 * serves another project's script or config.
 *
 * @param rest - the request URL after the proxy's prefix.
 * @param projectKey - the app's own project key; without it, any project is forwarded.
 * @example
 * classifyPath('/e/?compression=gzip-js'); // { kind: 'forward', upstream: 'api', target: '/e/?compression=gzip-js' }
 * classifyPath('/../admin');               // { kind: 'refuse', status: 400, reason: … }
 * classifyPath('/array/phc_other/config.js', 'phc_mine'); // { kind: 'refuse', status: 404, reason: "another project's key" }
 */
export function classifyPath(rest: string, projectKey?: string): PathDecision {
  const queryAt = rest.indexOf('?');
  const pathname = queryAt === -1 ? rest : rest.slice(0, queryAt);
  const query = queryAt === -1 ? '' : rest.slice(queryAt + 1);
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
  if (
    projectKey !== undefined &&
    namedProjects(pathname, query).some((named) => named !== projectKey)
  ) {
    return { kind: 'refuse', status: 404, reason: FOREIGN_PROJECT };
  }
  return { kind: 'forward', upstream: known.upstream, target: rest };
}
