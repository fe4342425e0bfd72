/**
 * The error handler's pure parts: which status an error answers with, and the
 * HTML and JSON bodies. No Express here.
 */
import { STATUS_CODES } from 'node:http';
import { describeError, isError } from '../core/errors/describe-error.js';
import { escapeHtml } from '../core/escape/escape.js';

/** Message and stack, shown only when `DEBUG` is on. */
export interface ErrorDebugDetails {
  readonly name: string;
  readonly message: string;
  readonly stack: string | undefined;
}

/** What a page (the default one or the app's `render`) needs to know. */
export interface ErrorPageDetails {
  /** The status being sent: 500 for a plain error, else the error's own 4xx/5xx. */
  readonly status: number;
  /** The request id (`req.id`, else `X-Request-Id`), when the app has one. */
  readonly requestId: string | undefined;
  /** Only with `DEBUG` on: the error's name, message and stack. Show them escaped. */
  readonly debug?: ErrorDebugDetails;
}

function integerStatus(value: unknown): number | undefined {
  const status = typeof value === 'string' && /^\d{3}$/.test(value) ? Number(value) : value;
  return typeof status === 'number' && Number.isInteger(status) && status >= 400 && status <= 599
    ? status
    : undefined;
}

/**
 * The status an error carries (`status`, else `statusCode`, as `http-errors`,
 * body-parser and Express's own errors set them) when it is a 4xx or 5xx;
 * 500 otherwise (no status, or one outside 400–599) — what Express's own
 * final handler decides.
 *
 * @example
 * errorStatus(new Error('x')); // 500
 * errorStatus(Object.assign(new Error('gone'), { status: 404 })); // 404
 */
export function errorStatus(error: unknown): number {
  if ((typeof error !== 'object' && typeof error !== 'function') || error === null) return 500;
  try {
    const { status, statusCode } = error as { status?: unknown; statusCode?: unknown };
    return integerStatus(status) ?? integerStatus(statusCode) ?? 500;
  } catch {
    // A `status` getter that throws, a revoked Proxy: a plain 500.
    return 500;
  }
}

/**
 * The reason phrase of a status; unknown codes → `Error`.
 *
 * @example
 * reasonPhrase(404); // 'Not Found'
 */
export function reasonPhrase(status: number): string {
  return STATUS_CODES[status] ?? 'Error';
}

/**
 * The JSON `error` code: `internal_error` for 500 (docs/observability.md, "`posthogErrorHandler(options?)`: server exceptions"), else the reason
 * phrase in snake case (`bad_request`, `not_found`, `service_unavailable`).
 *
 * @example
 * errorCode(500); // 'internal_error'
 * errorCode(405); // 'method_not_allowed'
 */
export function errorCode(status: number): string {
  if (status === 500) return 'internal_error';
  return (
    reasonPhrase(status)
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '_')
      .replace(/^_|_$/g, '') || 'error'
  );
}

/**
 * The error's name, message and stack, whatever was thrown; a value that is not a
 * readable error is described as warnings describe it (`describeError`).
 *
 * @example
 * debugDetails('oops'); // { name: 'string', message: 'oops', stack: undefined }
 */
export function debugDetails(error: unknown): ErrorDebugDetails {
  if (isError(error)) {
    try {
      const { name, message, stack } = error;
      return {
        name: String(name),
        message: String(message),
        stack: typeof stack === 'string' ? stack : undefined,
      };
    } catch {
      // A getter that throws: described below, as any value that cannot be read.
    }
  }
  return { name: typeof error, message: describeError(error), stack: undefined };
}

/**
 * The JSON body: `{ error, request_id }`, plus `name`, `message` and `stack`
 * with debug details.
 *
 * @example
 * errorJson({ status: 500, requestId: 'r-1' }); // '{"error":"internal_error","request_id":"r-1"}'
 */
export function errorJson({ status, requestId, debug }: ErrorPageDetails): string {
  return JSON.stringify({
    error: errorCode(status),
    request_id: requestId ?? null,
    ...(debug
      ? { name: debug.name, message: debug.message, ...(debug.stack ? { stack: debug.stack } : {}) }
      : {}),
  });
}

/**
 * The default HTML page: a full document (so the snippet middleware injects
 * into it and the browser's session links to the error), no scripts, no
 * styles from elsewhere; the message and stack only with `DEBUG` on, escaped.
 *
 * @example
 * res.status(500).type('html').send(errorHtml({ status: 500, requestId: req.id }));
 */
export function errorHtml({ status, requestId, debug }: ErrorPageDetails): string {
  const title = `${status} ${escapeHtml(reasonPhrase(status))}`;
  const explanation =
    status >= 500
      ? 'Something went wrong on our side. The error has been reported.'
      : 'The request could not be served.';
  const reference =
    requestId !== undefined ? `<p>Reference: <code>${escapeHtml(requestId)}</code></p>` : '';
  const details = debug
    ? `<h2>${escapeHtml(debug.name)}: ${escapeHtml(debug.message)}</h2><pre>${escapeHtml(debug.stack ?? '')}</pre>`
    : '';
  return (
    '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n' +
    '<meta name="viewport" content="width=device-width, initial-scale=1">\n' +
    `<title>${title}</title>\n</head>\n<body>\n<h1>${title}</h1>\n<p>${explanation}</p>\n` +
    `${reference}${details}\n</body>\n</html>\n`
  );
}
