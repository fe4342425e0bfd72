import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { getRequestUser, keepOrSetRequestUser } from '../core/attribution/request-user.js';
import { type GetUser, resolveUser } from '../core/attribution/resolve-user.js';
import type { PosthogUser } from '../core/attribution/user.js';
import type { PosthogClient } from '../core/client/index.js';
import { booleanWord, show } from '../core/config/parse.js';
import { checkOptions, optionKeys } from '../core/options/options.js';
import { debugError } from './debug-error.js';

/** Options of {@link debugRouter}. */
export interface DebugRouterOptions {
  /** Whose `config.debug` switches the route on. @default getPosthog(), read per request */
  readonly client?: PosthogClient;
  /**
   * Who is asking. Leave it out: the route reads the user `posthogUser()`
   * resolved (`getRequestUser(req)`; without `posthogUser()`, `req.user`, else
   * `res.locals.user`). Given, it goes through the same resolution as
   * `posthogUser`'s `getUser` (sync or async, hostile objects anonymous) and
   * decides who may trigger the throw; the user it finds is stored on the
   * request only when `posthogUser()` resolved none, so the captured exception
   * carries the request's user either way.
   */
  readonly getUser?: GetUser;
  /** Where the route is, relative to where the router is mounted. @default '/api/debug/throw' */
  readonly path?: string;
}

/** The first string of a query value (`?msg=a&msg=b` → `a`). */
function firstString(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.find((item) => typeof item === 'string');
  return undefined;
}

/** Rejects, after a turn of the event loop, with `error` — a throw from an `async` function. */
async function throwLater(error: Error): Promise<never> {
  await new Promise<void>((resolve) => setImmediate(resolve));
  throw error;
}

/**
 * The debug route (docs/observability.md, "`debugRouter(options?)`"), a Router serving `GET /api/debug/throw` so
 * operators can check the whole pipeline: throw → `posthogErrorHandler()` →
 * `$exception` in PostHog, with the user.
 *
 * - `DEBUG` off (`config.debug`, read per request): it passes the request on,
 *   so the app's own 404 answers — the same bytes as for a route that does not
 *   exist, for every method, logged in or not.
 * - `DEBUG` on, anonymous caller: `401 {"error":"unauthorized"}`.
 * - `DEBUG` on, a user: throws `?kind=` (allow-listed, else `Error`) with
 *   `?msg=` (default `intentional debug throw`, at most 1,000 characters);
 *   `?async=1` throws from a rejected promise instead, passed to `next(err)`
 *   so Express 4 sees it too.
 *
 * Register it after `posthogUser()` and before `posthogErrorHandler()`.
 *
 * @param options - see {@link DebugRouterOptions}. @default {}
 * @returns an Express Router.
 * @example
 * app.use(posthogUser());
 * app.use(debugRouter());
 * app.use(posthogErrorHandler());
 * // DEBUG=1, logged in: curl -H 'Cookie: …' 'http://localhost:3000/api/debug/throw?kind=ValueError&msg=hello'
 */
export function debugRouter(options?: Readonly<DebugRouterOptions>): Router {
  const checked = checkOptions<DebugRouterOptions>('debugRouter', options, {
    usage: 'app.use(debugRouter())',
    keys: optionKeys<DebugRouterOptions>({ getUser: true, path: true, client: true }),
    functions: { getUser: '(req, res) => req.user' },
    strings: { path: "'/api/debug/throw'" },
    client: true,
  });
  const { getUser, path = '/api/debug/throw' } = checked.options;
  if (!path.startsWith('/') || /[?#]/.test(path)) {
    throw new TypeError(
      `debugRouter: \`path\` must be a path starting with "/", got ${show(path)}. Use e.g. '/api/debug/throw'.`,
    );
  }
  const resolveClient = checked.client;
  // Express's defaults: case-insensitive, a trailing slash allowed.
  const wanted = path.replace(/\/+$/, '').toLowerCase() || '/';
  const matches = (requestPath: string) =>
    (requestPath.replace(/\/+$/, '').toLowerCase() || '/') === wanted;

  const router = express.Router();
  router.use(function debugThrowMiddleware(req: Request, res: Response, next: NextFunction) {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || !matches(req.path)) {
      next();
      return;
    }
    if (!resolveClient().config.debug) {
      next();
      return;
    }
    const serve = function debugThrowAs(user: PosthogUser | undefined): void {
      if (user === undefined) {
        res.status(401).setHeader('Cache-Control', 'no-store');
        res.json({ error: 'unauthorized' });
        return;
      }
      // The user posthogUser() resolved stays: the event carries who the request is for.
      if (getUser) keepOrSetRequestUser(req, user);
      const query = req.query as Record<string, unknown>;
      const error = debugError(firstString(query.kind), firstString(query.msg));
      if (booleanWord(firstString(query.async) ?? '') === true) {
        throwLater(error).catch(next);
        return;
      }
      throw error;
    };
    if (!getUser) {
      serve(getRequestUser(req));
      return;
    }
    resolveUser(
      'debugRouter',
      getUser,
      req,
      res,
      () => resolveClient().config.logger,
      function debugThrowForUser(user) {
        try {
          serve(user);
        } catch (error) {
          next(error);
        }
      },
      next,
    );
  });
  return router;
}
