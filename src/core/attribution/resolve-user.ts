import type { Request, Response } from 'express';
import { describeError } from '../errors/describe-error.js';
import type { Logger } from '../log/index.js';
import { warnerFor } from '../log/rate-limited.js';
import { readAppUser } from './request-user.js';
import { type PosthogUser, readUserObject } from './user.js';

/** Reads the app's user from a request; may return a promise. */
export type GetUser = (req: Request, res: Response) => unknown;

/** True for a promise or any object with a callable `then`; false (not a throw) for one whose `then` cannot be read. */
function isThenable(value: unknown): value is PromiseLike<unknown> {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return false;
  try {
    return typeof (value as { then?: unknown }).then === 'function';
  } catch {
    return false;
  }
}

/**
 * Calls `getUser` and hands the normalised user to `done` — synchronously
 * when `getUser` is synchronous, once the promise is resolved or rejected when
 * it is async. Without `getUser`, the user is the app's user where auth leaves
 * it ({@link readAppUser}: `req.user`, else `res.locals.user`), read
 * synchronously. Never throws and never rejects: a `getUser` that throws or
 * rejects, and a user object that throws when read (a getter, a Proxy, a
 * revoked Proxy), give one rate-limited warning naming the factory and the
 * request goes on as anonymous.
 *
 * @param getUser - the app's own reader; `undefined` for the default.
 * @param onDoneError - where a throw from `done` goes when `done` ran after
 *   an `await` (usually `next`), so it cannot become an unhandled rejection.
 * @example
 * resolveUser('posthogUser', getUser, req, res, () => logger, (user) => next(), next);
 */
export function resolveUser(
  factory: string,
  getUser: GetUser | undefined,
  req: Request,
  res: Response,
  logger: () => Logger,
  done: (user: PosthogUser | undefined) => void,
  onDoneError: (error: unknown) => void,
): void {
  const warn = (what: string, error: unknown) => {
    warnerFor(logger())(
      `${factory}: ${what} (${describeError(error)}); treating the request as anonymous. Make getUser return a plain object such as { id, email, name }, or undefined.`,
    );
  };
  const userOf = (value: unknown): PosthogUser | undefined => {
    const reading = readUserObject(value);
    if (reading.ok) return reading.user;
    warn('the user object threw when read', reading.error);
    return undefined;
  };
  if (getUser === undefined) {
    const reading = readAppUser(req, res);
    if (!reading.ok) warn('the user object threw when read', reading.error);
    done(reading.ok ? reading.user : undefined);
    return;
  }
  let raw: unknown;
  try {
    raw = getUser(req, res);
  } catch (error) {
    warn('getUser threw', error);
    done(undefined);
    return;
  }
  if (!isThenable(raw)) {
    done(userOf(raw));
    return;
  }
  Promise.resolve(raw)
    .then(userOf, function getUserRejected(error: unknown) {
      warn('getUser rejected', error);
      return undefined;
    })
    .then(done)
    .catch(function doneFailed(error: unknown) {
      try {
        onDoneError(error);
      } catch {
        // Nothing left to tell: the request already failed its own way.
      }
    });
}
