import { normalizeUser, type PosthogUser } from './user.js';

const USER = Symbol.for('express-posthog.user');

interface WithUser {
  [USER]?: PosthogUser | null;
  user?: unknown;
  res?: { locals?: Record<string, unknown> };
}

/** Remembers the normalised user on the request (`posthogUser` does this). */
export function setRequestUser(req: object, user: PosthogUser | undefined): void {
  (req as WithUser)[USER] = user ?? null;
}

/**
 * The request's user: the one `posthogUser` stored, else `req.user`, else
 * `res.locals.user`, normalised; `undefined` for an anonymous request.
 */
export function getRequestUser(req: object): PosthogUser | undefined {
  const holder = req as WithUser;
  const stored = holder[USER];
  if (stored !== undefined) return stored ?? undefined;
  return normalizeUser(holder.user) ?? normalizeUser(holder.res?.locals?.user);
}
