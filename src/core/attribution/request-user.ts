import { normalizeUser, type PosthogUser } from './user.js';

const USER = Symbol.for('express-posthog.user');

interface WithUser {
  [USER]?: PosthogUser | null;
  user?: unknown;
  res?: { locals?: Record<string, unknown> };
}

/**
 * Remembers the normalised user on the request; `posthogUser()` does this
 * once per request, and everything else reads it with {@link getRequestUser}.
 * `undefined` records "anonymous" (so a later reader does not look again).
 */
export function setRequestUser(req: object, user: PosthogUser | undefined): void {
  (req as WithUser)[USER] = user ?? null;
}

/**
 * The request's user, normalised to `{ id, email?, name? }`; `undefined` for
 * an anonymous request. It is what `posthogUser()` resolved (sync or async
 * `getUser`) when that ran; without it, `req.user`, else `res.locals.user`.
 * Never throws, whatever the app's user object does when read.
 *
 * @example
 * const user = getRequestUser(req); // { id: 'u-42', email: 'ada@example.com' } or undefined
 */
export function getRequestUser(req: object): PosthogUser | undefined {
  try {
    const holder = req as WithUser;
    const stored = holder[USER];
    if (stored !== undefined) return stored ?? undefined;
    return normalizeUser(holder.user) ?? normalizeUser(holder.res?.locals?.user);
  } catch {
    return undefined;
  }
}
