import type { ErrorRequestHandler, NextFunction, Request, Response } from 'express';
import type { PosthogClient } from '../../client/index.js';
import { redactUrl } from '../../identity/redact.js';
import { requestProperties } from '../../identity/request-info.js';
import { checkFunctionOption, checkOptionsObject, clientOption } from '../options.js';
import { warnFor } from '../user/posthog-user.js';
import {
  debugDetails,
  type ErrorPageDetails,
  errorHtml,
  errorJson,
  errorStatus,
} from './error-response.js';

/** Renders the HTML error page; it must send the response (e.g. `res.render('500', details)`). */
export type RenderErrorPage = (req: Request, res: Response, details: ErrorPageDetails) => void;

/** Options of {@link posthogErrorHandler}. */
export interface PosthogErrorHandlerOptions {
  /** The client that captures. @default getPosthog(), read per request */
  readonly client?: PosthogClient;
  /**
   * Renders the HTML page for clients that prefer HTML; status, `Vary`,
   * `Cache-Control` are set before it is called. Without it, a small built-in
   * page. A throw falls back to the built-in page. JSON clients always get the
   * built-in JSON body.
   */
  readonly render?: RenderErrorPage;
}

/**
 * Headers a route may have set for the body it meant to send; they would
 * mis-describe the error page, so they go (Express's final handler clears all).
 */
const BODY_HEADERS = [
  'content-disposition',
  'content-encoding',
  'content-language',
  'content-length',
  'content-location',
  'content-range',
  'content-type',
  'etag',
  'last-modified',
  'location',
] as const;

/** The headers an `http-errors` error asks for (`Allow` on a 405, …), if any. */
function errorHeaders(error: unknown): Record<string, unknown> | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const headers = (error as { headers?: unknown }).headers;
  return typeof headers === 'object' && headers !== null
    ? (headers as Record<string, unknown>)
    : undefined;
}

/**
 * The server exception handler (SPEC §6): an Express error middleware to
 * register after the routes (and after `debugRouter()`).
 *
 * - An error with no status of its own, or a 5xx one, is captured once as
 *   `$exception` — with `path`, `method`, `request_id`, the user (§3), the
 *   final `status_code` and the `url` with secret-looking query values
 *   redacted — and answered with that status (500 for a plain error).
 * - An error carrying a 4xx status (`http-errors`, body-parser's 400, a 404)
 *   is not captured and is answered with its own status (and the headers it
 *   asks for, such as `Allow`).
 * - The body is HTML when the client prefers it (`req.accepts(['json',
 *   'html'])` — a browser), else JSON `{ "error": "internal_error",
 *   "request_id": … }` (no `Accept`, `*\/*`, API clients). Message and stack
 *   appear, escaped, only with `DEBUG` on.
 * - Once headers are sent it captures (a 5xx) and hands over to `next(err)`,
 *   so Express closes the connection.
 *
 * On Express 4 an `async` route's rejection never reaches any error handler:
 * pass it on with `.catch(next)` (or an async wrapper). Express 5 does it.
 *
 * @param options - see {@link PosthogErrorHandlerOptions}. @default {}
 * @returns an Express error middleware (four arguments).
 * @example
 * app.use(router);
 * app.use(debugRouter());
 * app.use(posthogErrorHandler());
 * // with your own page for browsers:
 * app.use(posthogErrorHandler({ render: (req, res, details) => res.render('error', details) }));
 */
export function posthogErrorHandler(
  options?: Readonly<PosthogErrorHandlerOptions>,
): ErrorRequestHandler {
  const { client, render } = checkOptionsObject<PosthogErrorHandlerOptions>(
    'posthogErrorHandler',
    'app.use(posthogErrorHandler())',
    options,
  );
  checkFunctionOption(
    'posthogErrorHandler',
    'render',
    render,
    "(req, res, details) => res.status(details.status).render('error', details)",
  );
  const resolveClient = clientOption('posthogErrorHandler', client);

  function capture(posthog: PosthogClient, error: unknown, req: Request, status: number): void {
    if (posthog.wasCaptured(error)) return;
    posthog.captureException(error, {
      request: req,
      properties: { status_code: status, url: redactUrl(req.originalUrl ?? req.url ?? '') },
    });
  }

  function respond(
    posthog: PosthogClient,
    error: unknown,
    req: Request,
    res: Response,
    status: number,
  ): void {
    for (const name of BODY_HEADERS) res.removeHeader(name);
    if (status < 500) {
      for (const [name, value] of Object.entries(errorHeaders(error) ?? {})) {
        if (typeof value === 'string' || typeof value === 'number' || Array.isArray(value)) {
          res.setHeader(name, Array.isArray(value) ? value.map(String) : String(value));
        }
      }
    }
    res.status(status);
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.vary('Accept');
    const details: ErrorPageDetails = {
      status,
      requestId: requestProperties(req).request_id,
      ...(posthog.config.debug ? { debug: debugDetails(error) } : {}),
    };
    if (req.accepts(['json', 'html']) === 'html') {
      if (render) {
        try {
          render(req, res, details);
          return;
        } catch (failure) {
          warnFor(posthog)(
            `posthogErrorHandler: render failed (${failure instanceof Error ? failure.message : String(failure)}); sending the built-in page`,
          );
          if (res.headersSent) throw failure;
        }
      }
      res.type('html').send(errorHtml(details));
      return;
    }
    res.type('json').send(errorJson(details));
  }

  return function posthogErrorHandlerMiddleware(
    error: unknown,
    req: Request,
    res: Response,
    next: NextFunction,
  ): void {
    try {
      const posthog = resolveClient();
      const status = errorStatus(error);
      if (res.headersSent) {
        if (status >= 500) capture(posthog, error, req, res.statusCode);
        next(error);
        return;
      }
      if (status >= 500) capture(posthog, error, req, status);
      respond(posthog, error, req, res, status);
    } catch (failure) {
      // Never throw during a request: Express's own handler answers instead.
      next(res.headersSent ? failure : error);
    }
  };
}
