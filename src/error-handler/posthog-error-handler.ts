import { validateHeaderName, validateHeaderValue } from 'node:http';
import type { ErrorRequestHandler, NextFunction, Request, Response } from 'express';
import { requestProperties } from '../core/attribution/request-info.js';
import type { PosthogClient } from '../core/client/index.js';
import { describeError } from '../core/errors/describe-error.js';
import { expressCanRead, forExpress } from '../core/errors/express-readable.js';
import { addVary } from '../core/http/vary.js';
import { warnerFor } from '../core/log/rate-limited.js';
import { checkBooleanOption, checkOptions, optionKeys } from '../core/options/options.js';
import {
  debugDetails,
  type ErrorPageDetails,
  errorHtml,
  errorJson,
  errorStatus,
} from './error-response.js';

/** Renders the HTML error page; it must send the response (e.g. `res.render('500', details)`). */
export type RenderErrorPage = (req: Request, res: Response, details: ErrorPageDetails) => void;

/**
 * Decides whether an error is captured: `true` captures it, `false` does not.
 * Without it, errors with no status of their own or a 5xx one are captured,
 * 4xx ones are not.
 */
export type ShouldCapture = (error: unknown, req: Request, res: Response) => boolean;

/** Options of {@link posthogErrorHandler}. */
export interface PosthogErrorHandlerOptions {
  /** The client that captures. @default getPosthog(), read per request */
  readonly client?: PosthogClient;
  /**
   * Renders the HTML page for clients that prefer HTML; status, `Vary`,
   * `Cache-Control` are set before it is called. Without it, a small built-in
   * page. A throw falls back to the built-in page. JSON clients always get the
   * built-in JSON body. Unused with `respond: false`.
   */
  readonly render?: RenderErrorPage;
  /**
   * `false`: capture only, then `next(err)`, so the app's own error handler
   * (after this one) answers with its own pages and JSON.
   * @default true
   */
  readonly respond?: boolean;
  /**
   * Overrides which errors are captured, e.g. `(err) => err.status !== 404`
   * to capture 4xx too. A throw is logged and the default applies.
   * @default status >= 500 (no status of its own counts as 500)
   */
  readonly shouldCapture?: ShouldCapture;
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

/**
 * The headers an `http-errors` error asks for (`Allow` on a 405, …) that are
 * valid to send: a header name or value Node refuses is skipped, not thrown.
 */
function errorHeaders(error: unknown): Array<[string, string | string[]]> {
  const valid: Array<[string, string | string[]]> = [];
  try {
    const headers = (error as { headers?: unknown }).headers;
    if (typeof headers !== 'object' || headers === null) return valid;
    for (const [name, raw] of Object.entries(headers)) {
      if (typeof raw !== 'string' && typeof raw !== 'number' && !Array.isArray(raw)) continue;
      const value = Array.isArray(raw) ? raw.map(String) : String(raw);
      try {
        validateHeaderName(name);
        for (const item of Array.isArray(value) ? value : [value]) validateHeaderValue(name, item);
        valid.push([name, value]);
      } catch {
        // An invalid name or value: leave it out.
      }
    }
  } catch {
    // A getter that throws, a revoked Proxy: no headers from it.
  }
  return valid;
}

/**
 * The last answer when building the normal one failed: a plain-text 500 with
 * as few headers as possible, or a closed connection when even that cannot
 * be sent. Never throws.
 */
function plainFallback(res: Response): void {
  try {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    for (const name of res.getHeaderNames()) res.removeHeader(name);
    res.statusCode = 500;
    res.setHeader('Content-Type', 'text/plain; charset=utf-8');
    res.setHeader('Cache-Control', 'no-store');
    res.end('Internal Server Error\n');
  } catch {
    try {
      res.destroy();
    } catch {
      // Nothing left to do.
    }
  }
}

/** Whether the error is captured: `shouldCapture` when given (a throw falls back), else a 5xx. */
function wanted(
  shouldCapture: ShouldCapture | undefined,
  posthog: PosthogClient,
  error: unknown,
  req: Request,
  res: Response,
  status: number,
): boolean {
  if (!shouldCapture) return status >= 500;
  try {
    return shouldCapture(error, req, res) === true;
  } catch (failure) {
    warnerFor(posthog.config.logger)(
      `posthogErrorHandler: shouldCapture threw (${describeError(failure)}); capturing by status (${status})`,
    );
    return status >= 500;
  }
}

/** Captures the error once, with the request, the final status and the redacted URL. */
function capture(posthog: PosthogClient, error: unknown, req: Request, status: number): void {
  if (posthog.wasCaptured(error)) return;
  posthog.captureException(error, {
    request: req,
    properties: {
      status_code: status,
      $response_status_code: status,
      // Redacted, with every string of the event, by the client's gate (docs/observability.md).
      url: req.originalUrl ?? req.url ?? '',
    },
  });
}

/**
 * What `next(err)` receives: the thrown value, or, when Express's final handler could not
 * read it (a `status` or `stack` getter that throws, a Proxy), a `ThrownValue` error in its
 * place — read from a timer, such a value would crash the process. Logged once per kind.
 */
function handOver(posthog: PosthogClient | undefined, error: unknown): unknown {
  if (expressCanRead(error)) return error;
  const standIn = forExpress(error);
  if (posthog) {
    warnerFor(posthog.config.logger).once(
      'posthogErrorHandler:unreadable',
      `posthogErrorHandler: the thrown value cannot be read by Express's error handlers (${describeError(error)}); passed next() a ThrownValue error in its place. Throw Error objects whose properties can be read.`,
    );
  }
  return standIn;
}

/** Answers the error: status, headers, then the app's page, the built-in page or JSON. */
function answer(
  render: RenderErrorPage | undefined,
  posthog: PosthogClient,
  error: unknown,
  req: Request,
  res: Response,
  status: number,
): void {
  for (const name of BODY_HEADERS) res.removeHeader(name);
  if (status < 500) {
    for (const [name, value] of errorHeaders(error)) res.setHeader(name, value);
  }
  res.status(status);
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  addVary(res, 'Accept');
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
        warnerFor(posthog.config.logger)(
          `posthogErrorHandler: render failed (${describeError(failure)}); sending the built-in page`,
        );
        if (res.headersSent) throw failure;
      }
    }
    res.type('html').send(errorHtml(details));
    return;
  }
  res.type('json').send(errorJson(details));
}

/**
 * The server exception handler (docs/observability.md, "`posthogErrorHandler(options?)`: server exceptions"): an
 * Express error middleware to register after the routes (and after
 * `debugRouter()`).
 *
 * - An error with no status of its own, or a 5xx one, is captured once as
 *   `$exception` — with `path`, `method`, `request_id`, the user, PostHog's
 *   standard request properties, `status_code` / `$response_status_code` and
 *   the `url` with secret-looking query values redacted. An error already
 *   captured (by this package or marked the way posthog-node marks) is not
 *   captured again; what it captures is marked, so posthog-node's
 *   `setupExpressErrorHandler` registered after it skips it.
 * - An error carrying a 4xx status (`http-errors`, body-parser's 400, a 404)
 *   is not captured; `shouldCapture(error, req, res)` overrides that choice.
 * - `respond: true` (default): it answers with the error's status (500 for a
 *   plain error) — HTML when the client prefers it, else JSON
 *   `{ "error": "internal_error", "request_id": … }`; message and stack only
 *   with `DEBUG` on. `respond: false`: it captures and calls `next(err)`, so
 *   the app's own error handler answers.
 * - Whatever was thrown (a `status` getter that throws, an invalid name in
 *   `error.headers`, a revoked Proxy), it answers a plain 500 rather than
 *   throw; once headers are sent it hands over to `next(err)`, and Express
 *   closes the connection. A value Express's own handlers could not read
 *   (a `status` or `stack` getter that throws, a Proxy) is handed over as a
 *   `ThrownValue` error instead, so the process lives.
 *
 * On Express 4 an `async` route's rejection never reaches any error handler:
 * pass it on with `.catch(next)` (or an async wrapper). Express 5 does it.
 *
 * @param options - see {@link PosthogErrorHandlerOptions}. @default {}
 * @returns an Express error middleware (four arguments).
 * @example
 * app.use(router);
 * app.use(posthogErrorHandler());
 * // keep your own error handler:
 * app.use(posthogErrorHandler({ respond: false }));
 * app.use(myErrorHandler);
 */
export function posthogErrorHandler(
  options?: Readonly<PosthogErrorHandlerOptions>,
): ErrorRequestHandler {
  const checked = checkOptions<PosthogErrorHandlerOptions>('posthogErrorHandler', options, {
    usage: 'app.use(posthogErrorHandler())',
    functions: {
      render: "(req, res, details) => res.status(details.status).render('error', details)",
      shouldCapture: '(error, req, res) => res.statusCode >= 500',
    },
    keys: optionKeys<PosthogErrorHandlerOptions>({
      render: true,
      shouldCapture: true,
      respond: true,
      client: true,
    }),
    client: true,
  });
  const { render, shouldCapture, respond = true } = checked.options;
  checkBooleanOption(
    'posthogErrorHandler',
    'respond',
    respond,
    'Use respond: false to keep your own error handler after this one.',
  );
  const resolveClient = checked.client;

  return function posthogErrorHandlerMiddleware(
    error: unknown,
    req: Request,
    res: Response,
    next: NextFunction,
  ): void {
    let posthog: PosthogClient | undefined;
    let handedOver = false;
    try {
      posthog = resolveClient();
      const status = errorStatus(error);
      const finalStatus = res.headersSent ? res.statusCode : status;
      if (wanted(shouldCapture, posthog, error, req, res, status))
        capture(posthog, error, req, finalStatus);
      if (!respond || res.headersSent) {
        handedOver = true;
        next(handOver(posthog, error));
        return;
      }
      answer(render, posthog, error, req, res, status);
    } catch (failure) {
      // Never throw during a request, and never hand Express's final handler an
      // error it would choke on (it sets `error.headers` itself): answer here.
      if (posthog) {
        warnerFor(posthog.config.logger)(
          `posthogErrorHandler: could not answer the error (${describeError(failure)}); sent a plain 500`,
        );
      }
      if (handedOver) return;
      if (!respond && !res.headersSent) {
        next(handOver(posthog, error));
        return;
      }
      plainFallback(res);
    }
  };
}
