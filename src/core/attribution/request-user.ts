import { NO_USER, type PosthogUser, readUserObject, type UserReading } from './user.js';

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
 * Stores `user` on the request unless a user is stored already: the user
 * `posthogUser()` resolved stays. For a middleware that finds the user its own
 * way (`debugRouter`'s `getUser`) so that the request's events carry them when
 * `posthogUser()` did not find one.
 *
 * @example
 * keepOrSetRequestUser(req, { id: 'admin-1' });
 */
export function keepOrSetRequestUser(req: object, user: PosthogUser | undefined): void {
  const holder = req as WithUser;
  if (user === undefined || holder[USER]) return;
  holder[USER] = user;
}

/**
 * The app's user where auth middleware leaves it (docs/observability.md,
 * "`posthogUser(options?)`: user propagation"): `req.user`, else
 * `res.locals.user` — the first that reads as a user. A value that is no user
 * (absent, `{}` from a session that lost its user, an object without `id`,
 * `user_id` or `email`) lets the next one answer. A value that throws when read
 * (a getter, a Proxy trap, a revoked Proxy) makes the request anonymous, and the
 * reading carries the error so the caller can warn. Never throws.
 *
 * @param res - the response whose `locals` to read. @default req.res
 * @example
 * const reading = readAppUser(req, res);
 * const user = reading.ok ? reading.user : undefined;
 */
export function readAppUser(req: object, res?: object): UserReading {
  const holder = req as WithUser;
  // Two reads, each of which may throw (a getter): no list of closures, asked on every page.
  for (let candidate = 0; candidate < 2; candidate += 1) {
    let value: unknown;
    try {
      value =
        candidate === 0 ? holder.user : ((res ?? holder.res) as WithUser['res'])?.locals?.user;
    } catch (error) {
      return { ok: false, error };
    }
    const reading = readUserObject(value);
    if (!reading.ok || reading.user !== undefined) return reading;
  }
  return NO_USER;
}

/**
 * The request's user, normalised to `{ id, email?, name? }`; `undefined` for
 * an anonymous request. It is what `posthogUser()` resolved (sync or async
 * `getUser`) when that ran; without it, what {@link readAppUser} finds
 * (`req.user`, else `res.locals.user`). Never throws, whatever the app's user
 * object does when read.
 *
 * @example
 * const user = getRequestUser(req); // { id: 'u-42', email: 'ada@example.com' } or undefined
 */
export function getRequestUser(req: object): PosthogUser | undefined {
  try {
    const stored = (req as WithUser)[USER];
    if (stored !== undefined) return stored ?? undefined;
    const reading = readAppUser(req);
    return reading.ok ? reading.user : undefined;
  } catch {
    return undefined;
  }
}
