/**
 * The visitor's consent, read from the one place it lives: posthog-js's opt-in/out cookie
 * (docs/observability.md, "Consent"). The boot script tells posthog-js to keep its choice in
 * that cookie, so a page load, a `fetch` and a form post all carry it to the server.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { cookieStoreFromHeader } from 'posthog-node';
import type { ConsentMode } from '../config/types.js';

/**
 * posthog-js's consent cookie prefix: the cookie is `__ph_opt_in_out_<project key>`
 * (posthog-js `ConsentManager`, `@posthog/core`'s `getConsentCookieName`), unless
 * `consent_persistence_name` is set — which the snippet refuses, so the name never moves.
 */
export const CONSENT_COOKIE_PREFIX = '__ph_opt_in_out_';

/** What posthog-js reads as "yes" and "no" in its consent store (`isYesLike`, `isNoLike`). */
const YES = /^(?:1|true|yes)$/;
const NO = /^(?:0|false|no)$/;

/** The visitor's explicit choice, as posthog-js keeps it. */
export type ConsentChoice = 'granted' | 'denied' | 'pending';

/**
 * The name of the consent cookie for a project key.
 * @example
 * consentCookieName('phc_abc'); // '__ph_opt_in_out_phc_abc'
 */
export function consentCookieName(apiKey: string): string {
  return `${CONSENT_COOKIE_PREFIX}${apiKey}`;
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * The visitor's explicit choice from the request's `Cookie` header, read with posthog-node's
 * cookie parser: `granted` for a yes-like value, `denied` for a no-like one, `pending` when
 * there is no such cookie (or no key, or a value posthog-js would not read either). When
 * the cookie appears twice, the first wins, as in a browser. Never throws.
 *
 * @example
 * consentChoice({ cookie: '__ph_opt_in_out_phc_abc=1' }, 'phc_abc'); // 'granted'
 */
export function consentChoice(
  headers: IncomingHttpHeaders,
  apiKey: string | undefined,
): ConsentChoice {
  try {
    const header = firstHeader(headers.cookie);
    if (!apiKey || typeof header !== 'string' || !header.includes(CONSENT_COOKIE_PREFIX)) {
      return 'pending';
    }
    const value = cookieStoreFromHeader(header.split(';').reverse().join(';'))
      .get(consentCookieName(apiKey))
      ?.value.trim();
    if (value === undefined) return 'pending';
    if (YES.test(value)) return 'granted';
    if (NO.test(value)) return 'denied';
    return 'pending';
  } catch {
    return 'pending';
  }
}

/**
 * Whether the events of a request may carry who its visitor is, in a consent mode:
 * `granted` → yes (as before consent existed); `ask` → only once the visitor's cookie says
 * yes; `cookieless` → never. Events with no browser at all (jobs, CLI) pass no headers and so
 * follow the operator's mode only: yes in `granted`, no otherwise.
 *
 * @param mode - the operator's `POSTHOG_CONSENT`.
 * @param headers - the request's headers; `undefined` for an event with no browser.
 * @param apiKey - the project key, which names the cookie.
 * @example
 * visitorConsents('ask', req.headers, config.apiKey); // false until posthog.opt_in_capturing()
 */
export function visitorConsents(
  mode: ConsentMode,
  headers: IncomingHttpHeaders | undefined,
  apiKey: string | undefined,
): boolean {
  if (mode === 'granted') return true;
  if (mode === 'cookieless' || headers === undefined) return false;
  return consentChoice(headers, apiKey) === 'granted';
}

/**
 * Whether a page may carry a logged-in user's identity block, in a consent mode: `granted`
 * → yes; `cookieless` → never; `ask` → unless the visitor refused. Before the visitor chose,
 * the page carries it so that accepting on that same page identifies the user once; the boot
 * script applies it only after `posthog.opt_in_capturing()`, and nothing of it is sent or
 * stored before. Only a user's page depends on the consent cookie, and such a page is private
 * to its visitor like every page with an identity (docs/observability.md, "Consent"); an
 * anonymous page is the same bytes whatever the cookie says.
 *
 * @example
 * pageMayCarryIdentity('ask', { cookie: '__ph_opt_in_out_phc_abc=0' }, 'phc_abc'); // false
 */
export function pageMayCarryIdentity(
  mode: ConsentMode,
  headers: IncomingHttpHeaders,
  apiKey: string | undefined,
): boolean {
  if (mode === 'granted') return true;
  if (mode === 'cookieless') return false;
  return consentChoice(headers, apiKey) !== 'denied';
}
