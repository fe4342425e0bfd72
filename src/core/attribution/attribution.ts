/**
 * Who the user of a request is to PostHog, and what every server event of that request
 * carries (docs/observability.md, "Server events" and "`posthogUser(options?)`: user
 * propagation"). One pure function: `posthogUser` enters the SDK's request context with
 * its answer, and the client's `captureException` (which the error handler and the debug
 * route go through) adds the same answer to a `$exception`.
 */
import type { ConsentMode, IdentifyMode } from '../config/types.js';
import { visitorConsents } from './consent.js';
import {
  type BrowserIds,
  type RequestLike,
  type StandardProperties,
  standardProperties,
} from './request-info.js';
import {
  asPosthogUser,
  type PosthogUser,
  sendableUser,
  type UserProperties,
  userProperties,
} from './user.js';

/** What {@link requestAttribution} is given. */
export interface AttributionInput {
  /** The request being served: its URL, method, path, user agent and client address. */
  readonly request: RequestLike;
  /**
   * Who the user is, as resolved for this request (`posthogUser()`'s answer,
   * `getRequestUser(req)`); `undefined` for an anonymous request.
   */
  readonly user: PosthogUser | undefined;
  /** The identify mode (`POSTHOG_IDENTIFY_PII`). */
  readonly mode: IdentifyMode;
  /** The browser's PostHog ids, from its tracing headers or its posthog-js cookie (`browserIds`). */
  readonly browser: BrowserIds;
  /** The consent mode (`POSTHOG_CONSENT`); in `ask` the request's consent cookie decides. */
  readonly consent: ConsentMode;
  /** The project key, which names the consent cookie. */
  readonly apiKey: string | undefined;
}

/** The properties every server event of a request carries. */
export interface AttributedProperties extends StandardProperties, UserProperties {
  /** The browser's session, so the event links to its replay. */
  $session_id?: string;
}

/** Who a request's events belong to, and what they carry. */
export interface RequestAttribution {
  /**
   * The user as the identify mode lets them be sent: `undefined` when anonymous,
   * in mode `none`, and in mode `id` for a user whose only id is their email.
   */
  readonly user: PosthogUser | undefined;
  /**
   * The distinct id: the user's id as the mode allows, else the browser's PostHog
   * id; `undefined` leaves it to the SDK's personless default (never one shared
   * literal that would merge strangers into one person).
   */
  readonly distinctId: string | undefined;
  /** The browser's `$session_id`, when it sent a live one. */
  readonly sessionId: string | undefined;
  /**
   * The visitor consents to being known (docs/observability.md, "Consent"): false in mode
   * `cookieless`, and in mode `ask` until their consent cookie says yes.
   */
  readonly consented: boolean;
  /**
   * `$current_url`, `$request_method`, `$request_path`, `$user_agent`; `$ip` only in
   * mode `full`; `user_id`/`user_email`/`user_name` as the mode allows; `$session_id`.
   */
  readonly properties: AttributedProperties;
}

/** PostHog's standard request properties; a request that throws when read gives none. */
function requestStandardProperties(request: RequestLike, mode: IdentifyMode): StandardProperties {
  try {
    return standardProperties(request, mode);
  } catch {
    return {};
  }
}

/**
 * Who the user of a request is to PostHog and what every server event of that request
 * carries, by identify mode:
 * - `none` → no user identity: the browser's id, else personless; no `user_*`;
 * - `id` → the user's id and `user_id` (a user whose only id is their email is withheld);
 * - `email` → also `user_email`;
 * - `full` → also `user_name`, and the client's `$ip`.
 *
 * Without the visitor's consent (`consent` mode `cookieless`, or `ask` before their consent
 * cookie says yes), the request's events are personless: no distinct id (posthog-node sends a
 * fresh one with `$process_person_profile: false`), no `user_*`, no `$ip`, no browser session.
 *
 * Pure and total: it reads only what it is given and never throws, whatever the user
 * object or the request does when read.
 *
 * @example
 * const { distinctId, sessionId, properties } = requestAttribution({
 *   request: req,
 *   user: getRequestUser(req),
 *   mode: config.identifyPii,
 *   browser: browserIds(req.headers, config.apiKey),
 *   consent: config.consent,
 *   apiKey: config.apiKey,
 * });
 */
export function requestAttribution({
  request,
  user,
  mode,
  browser,
  consent,
  apiKey,
}: AttributionInput): RequestAttribution {
  const consented = visitorConsents(consent, request.headers, apiKey);
  if (!consented) {
    // Nothing of who the visitor is: the request's own properties, no `$ip` (mode `none`).
    return {
      user: undefined,
      distinctId: undefined,
      sessionId: undefined,
      consented,
      properties: requestStandardProperties(request, 'none'),
    };
  }
  // A user object that cannot be read is anonymous.
  const sendable = sendableUser(asPosthogUser(user), mode);
  const distinctId = sendable?.id ?? browser.distinctId;
  const sessionId = browser.sessionId;
  return {
    user: sendable,
    distinctId,
    sessionId,
    consented,
    properties: {
      ...requestStandardProperties(request, mode),
      ...userProperties(sendable, mode),
      ...(sessionId !== undefined ? { $session_id: sessionId } : {}),
    },
  };
}
