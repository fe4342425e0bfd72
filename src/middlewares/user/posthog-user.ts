import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { PosthogClient } from '../../client/index.js';
import { browserIds } from '../../identity/request-info.js';
import { setRequestUser } from '../../identity/request-user.js';
import { normalizeUser, type PosthogUser, userDistinctId } from '../../identity/user.js';
import { rateLimitedWarn } from '../../logger/rate-limited.js';
import { checkFunctionOption, checkOptionsObject, clientOption } from '../options.js';

declare global {
  namespace Express {
    interface Locals {
      /**
       * The request's user, normalised by `posthogUser()` to `{ id, email?, name? }`;
       * `undefined` for an anonymous request.
       */
      posthogUser?: PosthogUser;
    }
  }
}

/** Reads the app's user from a request; may return a promise. */
export type GetUser = (req: Request, res: Response) => unknown;

/** Options of {@link posthogUser}. */
export interface PosthogUserOptions {
  /**
   * Where the app's auth keeps the user. Whatever it returns (or resolves to)
   * is normalised to `{ id, email, name }`; `undefined`/`null` means anonymous.
   * A throw or a rejection is logged (rate-limited) and the request goes on
   * as anonymous.
   * @default (req, res) => req.user ?? res.locals.user
   */
  readonly getUser?: GetUser;
  /** The client whose request context is entered. @default getPosthog(), read per request */
  readonly client?: PosthogClient;
}

/** The default {@link GetUser}: `req.user` (Passport and most auth), then `res.locals.user`. */
function defaultGetUser(req: Request, res: Response): unknown {
  return (req as { user?: unknown }).user ?? res.locals.user;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

const warners = new WeakMap<PosthogClient, (message: string) => void>();

/**
 * One rate-limited warning function per client, on that client's logger.
 *
 * @example
 * warnFor(getPosthog())('posthogUser: getUser failed');
 */
export function warnFor(client: PosthogClient): (message: string) => void {
  let warn = warners.get(client);
  if (!warn) {
    warn = rateLimitedWarn(client.config.logger);
    warners.set(client, warn);
  }
  return warn;
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/**
 * Calls `getUser` and hands the normalised user to `done`, synchronously when
 * `getUser` is synchronous. Never throws: a failing `getUser` is logged and
 * the request is anonymous.
 *
 * @example
 * readUser('posthogUser', getUser, req, res, getPosthog, (user) => setRequestUser(req, user));
 */
export function readUser(
  factory: string,
  getUser: GetUser,
  req: Request,
  res: Response,
  client: () => PosthogClient,
  done: (user: PosthogUser | undefined) => void,
): void {
  const failed = (error: unknown) => {
    warnFor(client())(
      `${factory}: getUser failed (${describe(error)}); treating the request as anonymous`,
    );
    done(undefined);
  };
  let raw: unknown;
  try {
    raw = getUser(req, res);
  } catch (error) {
    failed(error);
    return;
  }
  if (isThenable(raw)) {
    Promise.resolve(raw).then((value) => done(normalizeUser(value)), failed);
  } else {
    done(normalizeUser(raw));
  }
}

/**
 * User propagation (SPEC §7). Register it after the app's auth (and after
 * body parsers and sessions). For each request it reads the user, normalises
 * it to `{ id, email?, name? }`, remembers it for the snippet and the error
 * handler, exposes it to templates as `res.locals.posthogUser` (unless an
 * earlier middleware set that), and runs the rest of the request inside the
 * SDK's request context: every event captured during the request, after an
 * `await` too, gets the user's distinct id (as the identify mode allows, else
 * the browser's PostHog id from the tracing headers) and the browser's
 * `$session_id`. Disabled, it only reads the user — no context.
 *
 * @param options - see {@link PosthogUserOptions}. @default {}
 * @returns an Express middleware.
 * @example
 * app.use(passport.session());
 * app.use(posthogUser());
 * // or, with your own auth:
 * app.use(posthogUser({ getUser: (req) => req.session?.account }));
 */
export function posthogUser(options?: Readonly<PosthogUserOptions>): RequestHandler {
  const { getUser = defaultGetUser, client } = checkOptionsObject<PosthogUserOptions>(
    'posthogUser',
    'app.use(posthogUser())',
    options,
  );
  checkFunctionOption('posthogUser', 'getUser', getUser, '(req, res) => req.user');
  const resolveClient = clientOption('posthogUser', client);

  return function posthogUserMiddleware(req: Request, res: Response, next: NextFunction): void {
    readUser('posthogUser', getUser, req, res, resolveClient, function withUser(user) {
      setRequestUser(req, user);
      if (res.locals.posthogUser === undefined && user !== undefined) {
        res.locals.posthogUser = user;
      }
      const posthog = resolveClient();
      if (!posthog.enabled) {
        next();
        return;
      }
      const browser = browserIds(req.headers);
      const distinctId = userDistinctId(user, posthog.config.identifyPii) ?? browser.distinctId;
      posthog.withContext(
        {
          ...(distinctId !== undefined ? { distinctId } : {}),
          ...(browser.sessionId !== undefined ? { sessionId: browser.sessionId } : {}),
        },
        function continueInContext() {
          next();
        },
      );
    });
  };
}
