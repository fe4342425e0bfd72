import type { IncomingHttpHeaders } from 'node:http';
import { cookieStoreFromHeader, getPostHogCookieName, readPostHogCookie } from 'posthog-node';
import type { IdentifyMode } from '../config/types.js';
import { clientAddress } from '../http/client-address.js';
import { pathWithoutQuery } from '../http/url-path.js';
import { consentChoice } from './consent.js';

/** The parts of a request the client reads; an Express `req` fits, so does a bare `IncomingMessage`. */
export interface RequestLike {
  readonly method?: string;
  readonly url?: string;
  readonly originalUrl?: string;
  readonly path?: string;
  readonly headers: IncomingHttpHeaders;
  readonly id?: unknown;
  /** Express's `req.protocol` (honours `trust proxy`). */
  readonly protocol?: string;
  /** Express's `req.ip` (honours `trust proxy`). */
  readonly ip?: string;
  readonly socket?: { readonly remoteAddress?: string; readonly encrypted?: boolean };
}

/** Request properties that ride on a server `$exception` (docs/observability.md, "Server events"). */
export interface RequestProperties {
  path?: string;
  method?: string;
  request_id?: string;
}

/** PostHog's standard request properties, as PostHog names them. */
export interface StandardProperties {
  /** Absolute; its secrets are redacted by the client's gate, with every string of the event. */
  $current_url?: string;
  $request_method?: string;
  /** The path, without the query. */
  $request_path?: string;
  $user_agent?: string;
  /** Only in identify mode `full`: it is personal data. */
  $ip?: string;
}

/** Who the browser is to PostHog, from its tracing headers or its posthog-js cookie. */
export interface BrowserIds {
  sessionId?: string;
  distinctId?: string;
}

/** Ids are short and printable; anything else is ignored so a header cannot smuggle text into events. */
const TRACING_VALUE = /^[\w.:@$+-]{1,200}$/;
/** A `Host` header we put into `$current_url`: a name or address and a port, nothing else. */
const HOST = /^(?:[a-z0-9.-]{1,253}|\[[0-9a-f:.]{2,45}\])(?::\d{1,5})?$/i;
/** posthog-js ends a session after 30 minutes without activity, and after 24 hours in any case. */
const SESSION_IDLE_MS = 30 * 60_000;
const SESSION_MAX_MS = 24 * 60 * 60_000;
const MAX_USER_AGENT_CHARS = 1_000;

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function tracingValue(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  return TRACING_VALUE.test(trimmed) ? trimmed : undefined;
}

function recent(timestamp: number | undefined, now: number, maxAgeMs: number): boolean {
  return timestamp !== undefined && Math.abs(now - timestamp) <= maxAgeMs;
}

/** The path of a request URL, without query or fragment. */
function pathOf(req: RequestLike): string | undefined {
  if (typeof req.path === 'string') return req.path;
  const url = req.originalUrl ?? req.url;
  return typeof url === 'string' ? pathWithoutQuery(url) : undefined;
}

/** `path`, `method` and `request_id` (the app's `req.id`, else `X-Request-Id`). */
export function requestProperties(req: RequestLike): RequestProperties {
  const props: RequestProperties = {};
  const path = pathOf(req);
  if (path) props.path = path;
  if (req.method) props.method = req.method;
  const id =
    typeof req.id === 'string' || typeof req.id === 'number'
      ? String(req.id)
      : firstHeader(req.headers['x-request-id']);
  if (id) props.request_id = id.slice(0, 200);
  return props;
}

/**
 * The request's absolute URL (`http://host/path?query`); the path alone when the `Host`
 * header is missing or does not look like a host. Not redacted here: it only goes out on
 * events, and every event passes the client's redaction gate (docs/observability.md, "What is
 * redacted"), which redacts it as it redacts every URL.
 *
 * @example
 * currentUrl(req); // 'http://localhost:3000/reset?token=abc&step=2'
 */
export function currentUrl(req: RequestLike): string | undefined {
  const url = req.originalUrl ?? req.url;
  if (typeof url !== 'string' || url === '') return undefined;
  const host = firstHeader(req.headers.host)?.trim();
  if (!url.startsWith('/') || host === undefined || !HOST.test(host)) return url;
  const protocol =
    req.protocol === 'https' || (req.protocol === undefined && req.socket?.encrypted === true)
      ? 'https'
      : 'http';
  return `${protocol}://${host}${url}`;
}

/**
 * Whether a server event may carry the client's `$ip` in an identify mode: only in
 * `full` (it is personal data; PostHog derives GeoIP from it).
 *
 * @example
 * sendsIp('email'); // false
 */
export function sendsIp(mode: IdentifyMode): boolean {
  return mode === 'full';
}

/**
 * PostHog's standard request properties: `$current_url` (absolute; redacted by the gate),
 * `$request_method`, `$request_path`, `$user_agent`; `$ip` only in identify
 * mode `full` (the client address as `trust proxy` resolves it, `::ffff:`
 * unmapped). `$response_status_code` is added where the status is known.
 *
 * @example
 * standardProperties(req, 'email'); // { $current_url: 'http://…', $request_method: 'GET', … }
 */
export function standardProperties(req: RequestLike, mode: IdentifyMode): StandardProperties {
  const props: StandardProperties = {};
  const url = currentUrl(req);
  if (url) props.$current_url = url;
  if (req.method) props.$request_method = req.method;
  const path = pathOf(req);
  if (path) props.$request_path = path;
  const agent = firstHeader(req.headers['user-agent']);
  if (agent) props.$user_agent = agent.slice(0, MAX_USER_AGENT_CHARS);
  if (sendsIp(mode)) {
    const ip = clientAddress(req);
    if (ip) props.$ip = ip;
  }
  return props;
}

/** The posthog-js persistence cookie's ids, with posthog-node's cookie helpers; its session only while alive. */
function cookieIds(cookieHeader: string | undefined, apiKey: string, now: number): BrowserIds {
  if (typeof cookieHeader !== 'string' || cookieHeader === '') return {};
  if (!cookieHeader.includes(getPostHogCookieName(apiKey))) return {};
  // The first cookie of a name wins, as in a browser (posthog-node reads it the same way).
  if (consentChoice({ cookie: cookieHeader }, apiKey) === 'denied') return {};
  const cookies = cookieStoreFromHeader(cookieHeader.split(';').reverse().join(';'));
  const state = readPostHogCookie(cookies, apiKey);
  if (!state) return {};
  const ids: BrowserIds = {};
  const distinctId = tracingValue(state.distinctId);
  if (distinctId) ids.distinctId = distinctId;
  const lastActivity = state.sessionLastActivityTimestamp;
  const started = state.sessionStartTimestamp ?? lastActivity;
  const sessionId = tracingValue(state.sessionId);
  if (
    sessionId &&
    recent(lastActivity, now, SESSION_IDLE_MS) &&
    recent(started, now, SESSION_MAX_MS)
  ) {
    ids.sessionId = sessionId;
  }
  return ids;
}

/**
 * The browser's PostHog session and distinct ids: from the tracing headers
 * posthog-js adds to `fetch`/XHR (`X-POSTHOG-SESSION-ID`,
 * `X-POSTHOG-DISTINCT-ID`), else — on page navigations and form posts, which
 * carry no such header — from the posthog-js persistence cookie
 * `ph_<apiKey>_posthog`, read with posthog-node's own cookie helpers (its
 * session only while it is alive: active in the last 30 minutes, started in
 * the last 24 hours; nothing when the visitor opted out). Values that do not
 * look like ids are ignored.
 *
 * @param apiKey - the project key whose cookie to read; without it only the headers count.
 * @example
 * browserIds(req.headers, config.apiKey); // { sessionId: '0193…', distinctId: '0193…' }
 */
export function browserIds(
  headers: IncomingHttpHeaders,
  apiKey?: string,
  now: number = Date.now(),
): BrowserIds {
  const ids: BrowserIds = {};
  const sessionId = tracingValue(firstHeader(headers['x-posthog-session-id']));
  const distinctId = tracingValue(firstHeader(headers['x-posthog-distinct-id']));
  if (sessionId) ids.sessionId = sessionId;
  if (distinctId) ids.distinctId = distinctId;
  if (sessionId || distinctId || !apiKey) return ids;
  try {
    return cookieIds(firstHeader(headers.cookie), apiKey, now);
  } catch {
    return {};
  }
}
