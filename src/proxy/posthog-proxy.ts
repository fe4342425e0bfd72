import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { pipeline, Transform, type TransformCallback } from 'node:stream';
import { clientAddress } from '../core/http/client-address.js';
import { pathWithoutQuery } from '../core/http/url-path.js';
import { rateLimitedWarn } from '../core/log/rate-limited.js';
import { answerProxyError, type ProxyStatus } from './answer.js';
import { downstreamResponseHeaders, upstreamRequestHeaders } from './headers.js';
import { proxiedLocation } from './location.js';
import { type PosthogProxyOptions, type ProxySettings, proxySettings } from './options.js';
import { classifyPath, FOREIGN_PROJECT, type UpstreamKind } from './paths.js';

type Next = (error?: unknown) => void;

/** What {@link posthogProxy} returns: a Connect/Express middleware. */
export type PosthogProxyMiddleware = (
  req: IncomingMessage,
  res: ServerResponse,
  next: Next,
) => void;

const METHODS = new Set(['GET', 'HEAD', 'POST']);

class BodyTooLarge extends Error {}

/** The part of `url` after `path` (`''`, `/e/`, `?x`), or `undefined` when not under it. */
function restOf(url: string, path: string): string | undefined {
  if (!url.startsWith(path)) return undefined;
  const rest = url.slice(path.length);
  return rest === '' || rest[0] === '/' || rest[0] === '?' ? rest : undefined;
}

/** Where the app mounted this middleware (`app.use('/x', proxy)` → `/x`), for `Location`. */
function mountPath(req: IncomingMessage): string {
  try {
    const base = (req as IncomingMessage & { baseUrl?: unknown }).baseUrl;
    return typeof base === 'string' ? base : '';
  } catch {
    return '';
  }
}

/**
 * A first-party reverse proxy to PostHog, for production (ad blockers and strict
 * CSPs leave the app's own origin alone). Only the paths posthog-js requests are
 * forwarded, with the prefix removed: `/static/*` and `/array/*` to the assets host,
 * the rest to the API host; other paths answer 404, and dot segments, encoded slashes
 * and backslashes 400, without touching PostHog. Request and response headers pass by
 * allow-list (no cookies, credentials, `Referer` or client-sent forwarding headers up;
 * no `Set-Cookie`, CORS, HSTS, CSP, `Clear-Site-Data` or `Refresh` down);
 * `X-Forwarded-For` is the client address as `trust proxy` resolves it. Bodies stream
 * with back-pressure up to `maxBodyBytes` (413 beyond). The whole exchange is bounded by
 * `timeoutMs`: 504 when nothing was sent yet, else the response is cut. An upstream that
 * fails gives 502. GET, HEAD and POST only (405 otherwise). The app is unaffected either
 * way. See docs/observability.md, "posthogProxy".
 *
 * Register it before any body parser (it forwards the raw body) and before
 * `compression()`; `createApp({ proxy: { path } })` does so and points the snippet's
 * `api_host` at it. Disabled (no `POSTHOG_API_KEY`), it is a pass-through.
 *
 * @param options - see {@link PosthogProxyOptions}; every field is optional.
 * @example
 * app.use(posthogProxy({ path: '/ingest' }));
 * app.use(compression());
 * app.use(posthogSnippet({ apiHost: '/ingest' }));
 */
export function posthogProxy(options?: Readonly<PosthogProxyOptions>): PosthogProxyMiddleware {
  const settings = proxySettings(options);
  const { path, client, maxBodyBytes } = settings;
  if (!client.enabled) {
    return function posthogProxyDisabled(_req: IncomingMessage, _res: ServerResponse, next: Next) {
      next();
    };
  }
  const warn = rateLimitedWarn(client.config.logger);

  return function posthogProxyMiddleware(req: IncomingMessage, res: ServerResponse, next: Next) {
    const rest = restOf(req.url ?? '/', path);
    if (rest === undefined) {
      next();
      return;
    }
    if (!METHODS.has(req.method ?? '')) {
      answerProxyError(req, res, 405, 'only GET, HEAD and POST are proxied');
      return;
    }
    const decision = classifyPath(rest, client.config.apiKey);
    if (decision.kind === 'refuse') {
      if (decision.reason === FOREIGN_PROJECT) {
        warn(
          `posthogProxy: ${req.method} ${path}${pathWithoutQuery(rest)} names another project than this app's key; answered 404. Only the app's own project is served from its origin.`,
        );
      }
      answerProxyError(req, res, decision.status, decision.reason);
      return;
    }
    if (Number(req.headers['content-length']) > maxBodyBytes) {
      warn(
        `posthogProxy: ${req.method} ${path}${pathWithoutQuery(rest)} declares a body over ${maxBodyBytes} bytes; answered 413.`,
      );
      answerProxyError(req, res, 413, `the body is over ${maxBodyBytes} bytes`);
      return;
    }
    forward(settings, warn, req, res, decision.upstream, decision.target);
  };
}

/**
 * One exchange with PostHog: the request streamed up (at most `maxBodyBytes`), the answer
 * streamed down, the whole bounded by `timeoutMs`; a failure answers 502, 504 or 413 while
 * nothing was sent, else cuts the response.
 */
function forward(
  settings: ProxySettings,
  warn: (message: string) => void,
  req: IncomingMessage,
  res: ServerResponse,
  kind: UpstreamKind,
  rest: string,
): void {
  const { path, api, assets, timeoutMs, maxBodyBytes } = settings;
  const target = kind === 'api' ? api : assets;
  const label = `${req.method} ${path}${pathWithoutQuery(rest)} to ${target.host}`;
  let finished = false;
  const send = target.secure ? httpsRequest : httpRequest;
  let upstream: ReturnType<typeof httpRequest>;
  try {
    upstream = send({
      hostname: target.hostname,
      ...(target.port ? { port: target.port } : {}),
      method: req.method,
      path: `${target.basePath}${rest}`,
      headers: upstreamRequestHeaders(req.headers, target.host, clientAddress(req)),
    });
  } catch (error) {
    warn(`posthogProxy: ${label} could not be sent: ${(error as Error).message}`);
    answerProxyError(req, res, 400, 'the request could not be forwarded');
    return;
  }

  const deadline = setTimeout(function exchangeDeadline() {
    warn(`posthogProxy: ${label} passed the ${timeoutMs} ms deadline; cut.`);
    end(504, 'PostHog did not answer in time');
  }, timeoutMs);

  let bytes = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback) {
      bytes += chunk.length;
      if (bytes > maxBodyBytes) done(new BodyTooLarge());
      else done(null, chunk);
    },
  });
  /** Ends the exchange once: clears the deadline, stops the upstream, answers if asked. */
  function end(status?: ProxyStatus, detail = '') {
    if (finished) return;
    finished = true;
    clearTimeout(deadline);
    req.unpipe(meter);
    if (!upstream.destroyed) upstream.destroy();
    if (status !== undefined) answerProxyError(req, res, status, detail);
  }

  // `pipe`, not `pipeline`, from `req`: destroying `req` would close the socket before
  // a 413 could be written.
  req.pipe(meter);
  pipeline(meter, upstream, function requestSent(error) {
    if (!error || finished) return;
    if (error instanceof BodyTooLarge) {
      warn(`posthogProxy: ${label} has a body over ${maxBodyBytes} bytes; answered 413.`);
      end(413, `the body is over ${maxBodyBytes} bytes`);
    } else {
      warn(`posthogProxy: ${label} failed: ${error.message}`);
      end(502, 'PostHog could not be reached');
    }
  });

  upstream.on('error', function upstreamFailed(error: Error) {
    if (finished) return;
    warn(`posthogProxy: ${label} failed: ${error.message}`);
    end(502, 'PostHog could not be reached');
  });
  upstream.on('response', function upstreamResponded(reply: IncomingMessage) {
    if (finished) {
      reply.destroy();
      return;
    }
    const source = {
      target,
      kind,
      from: rest,
      prefix: `${mountPath(req)}${path}`,
      ...(settings.client.config.apiKey !== undefined
        ? { projectKey: settings.client.config.apiKey }
        : {}),
    };
    const headers = downstreamResponseHeaders(reply.headers, (location) =>
      proxiedLocation(location, source),
    );
    res.writeHead(reply.statusCode ?? 502, headers);
    pipeline(reply, res, function responseSent(error) {
      if (error && !finished) warn(`posthogProxy: ${label} was cut: ${error.message}`);
      end();
    });
  });

  // The browser went away: stop talking to PostHog on its behalf.
  res.on('close', function browserGone() {
    if (!res.writableFinished) end();
  });
}
