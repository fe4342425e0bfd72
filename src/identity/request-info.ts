import type { IncomingHttpHeaders } from 'node:http';

/** The parts of a request the client reads; an Express `req` fits. */
export interface RequestLike {
  readonly method?: string;
  readonly url?: string;
  readonly originalUrl?: string;
  readonly path?: string;
  readonly headers: IncomingHttpHeaders;
  readonly id?: unknown;
}

/** Request properties that ride on a server `$exception` (SPEC §3). */
export interface RequestProperties {
  path?: string;
  method?: string;
  request_id?: string;
}

/** What posthog-js tracing headers say about the browser (SPEC §5). */
export interface BrowserIds {
  sessionId?: string;
  distinctId?: string;
}

const TRACING_VALUE = /^[\w.:@$+-]{1,200}$/;

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function tracingValue(value: string | string[] | undefined): string | undefined {
  const first = firstHeader(value)?.trim();
  return first !== undefined && TRACING_VALUE.test(first) ? first : undefined;
}

/** `path`, `method` and `request_id` (the app's `req.id`, else `X-Request-Id`). */
export function requestProperties(req: RequestLike): RequestProperties {
  const props: RequestProperties = {};
  const path = req.path ?? (req.originalUrl ?? req.url)?.split('?')[0];
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
 * The browser's PostHog session and distinct ids from the tracing headers
 * posthog-js adds to same-origin requests. Values that do not look like ids
 * are ignored, so a header cannot smuggle arbitrary text into events.
 */
export function browserIds(headers: IncomingHttpHeaders): BrowserIds {
  const ids: BrowserIds = {};
  const sessionId = tracingValue(headers['x-posthog-session-id']);
  const distinctId = tracingValue(headers['x-posthog-distinct-id']);
  if (sessionId) ids.sessionId = sessionId;
  if (distinctId) ids.distinctId = distinctId;
  return ids;
}
