import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { requestAttribution } from '../core/attribution/attribution.js';
import { browserIds } from '../core/attribution/request-info.js';
import { setRequestUser } from '../core/attribution/request-user.js';
import { type GetUser, resolveUser } from '../core/attribution/resolve-user.js';
import type { PosthogUser } from '../core/attribution/user.js';
import type { PosthogClient } from '../core/client/index.js';
import { checkOptions, optionKeys } from '../core/options/options.js';

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

export type { GetUser } from '../core/attribution/resolve-user.js';

/** Options of {@link posthogUser}. */
export interface PosthogUserOptions {
  /**
   * Where the app's auth keeps the user; sync or async. Whatever it returns
   * (or resolves to) is normalised to `{ id, email, name }`;
   * `undefined`/`null` means anonymous. A throw, a rejection, or a user
   * object that throws when read is logged (rate-limited) and the request
   * goes on as anonymous.
   * @default `req.user`, else `res.locals.user` — the first that is a user
   *   (an empty `req.user` from a session that lost its user is none)
   */
  readonly getUser?: GetUser;
  /** The client whose request context is entered. @default getPosthog(), read per request */
  readonly client?: PosthogClient;
}

/**
 * User propagation: the one place that decides who the user is
 * (docs/observability.md, "`posthogUser(options?)`: user propagation"). Register it after the app's
 * auth (and after body parsers and sessions). For each request it reads the
 * user (`getUser` may be async), normalises it to `{ id, email?, name? }`,
 * remembers it for the snippet, the error handler and the debug route
 * (`getRequestUser(req)`), exposes it to templates as
 * `res.locals.posthogUser` (unless an earlier middleware set that), and runs
 * the rest of the request inside the SDK's request context: every event
 * captured during the request, after an `await` too, gets
 * what `requestAttribution` says for the request:
 * - the user's distinct id as the identify mode allows (mode `id` withholds
 *   a user whose only id is the email), else the browser's PostHog id;
 * - the browser's `$session_id` — from the tracing headers on `fetch`/XHR,
 *   from the posthog-js cookie on page navigations and form posts;
 * - `user_id`, `user_email`, `user_name` as the identify mode allows;
 * - `$current_url` (absolute, secrets redacted), `$request_method`,
 *   `$request_path`, `$user_agent`, and `$ip` only in identify mode `full`.
 *
 * Disabled, it only reads the user — no context.
 *
 * @param options - see {@link PosthogUserOptions}. @default {}
 * @returns an Express middleware.
 * @example
 * app.use(passport.session());
 * app.use(posthogUser());
 * // or, with your own (async) auth:
 * app.use(posthogUser({ getUser: async (req) => await accounts.find(req.session.accountId) }));
 */
export function posthogUser(options?: Readonly<PosthogUserOptions>): RequestHandler {
  const checked = checkOptions<PosthogUserOptions>('posthogUser', options, {
    usage: 'app.use(posthogUser())',
    keys: optionKeys<PosthogUserOptions>({ getUser: true, client: true }),
    functions: { getUser: '(req, res) => req.user' },
    client: true,
  });
  const getUser = checked.options.getUser;
  const resolveClient = checked.client;

  return function posthogUserMiddleware(req: Request, res: Response, next: NextFunction): void {
    resolveUser(
      'posthogUser',
      getUser,
      req,
      res,
      () => resolveClient().config.logger,
      function withUser(user) {
        setRequestUser(req, user);
        if (res.locals.posthogUser === undefined && user !== undefined) {
          res.locals.posthogUser = user;
        }
        const posthog = resolveClient();
        if (!posthog.enabled) {
          next();
          return;
        }
        const { identifyPii: mode, apiKey, consent } = posthog.config;
        const { distinctId, sessionId, properties } = requestAttribution({
          request: req,
          user,
          mode,
          browser: browserIds(req.headers, apiKey),
          consent,
          apiKey,
        });
        posthog.withContext(
          {
            ...(distinctId !== undefined ? { distinctId } : {}),
            ...(sessionId !== undefined ? { sessionId } : {}),
            properties: { ...properties },
          },
          function continueInContext() {
            next();
          },
        );
      },
      next,
    );
  };
}
