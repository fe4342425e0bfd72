import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { getPosthog, type PosthogClient } from '../client/index.js';
import { show } from '../config/parse.js';
import { rateLimitedWarn } from '../logger/rate-limited.js';
import { checkOptionsObject } from '../middlewares/options.js';
import { downstreamResponseHeaders, upstreamRequestHeaders } from './headers.js';

/** Options of {@link posthogProxy}. */
export interface PosthogProxyOptions {
  /** The first-party path it answers under; the snippet's `api_host`. @default '/ingest' */
  readonly path?: string;
  /** The client whose config gives the hosts. @default getPosthog() */
  readonly client?: PosthogClient;
  /** Where API requests go. @default config.host */
  readonly apiHost?: string;
  /** Where `/static/*` goes (posthog-js and its lazily loaded extensions). @default config.assetsHost */
  readonly assetsHost?: string;
  /** Idle time, connecting included, after which the browser gets 504. @default 10000 */
  readonly timeoutMs?: number;
}

type Next = (error?: unknown) => void;

/** A parsed upstream: what `http.request` needs, and the path prefix of a self-hosted URL. */
interface Upstream {
  readonly secure: boolean;
  readonly hostname: string;
  readonly port: string;
  /** `Host` header value. */
  readonly host: string;
  readonly basePath: string;
}

const METHODS = new Set(['GET', 'HEAD', 'POST']);

function fail(option: string, value: unknown, fix: string): never {
  throw new TypeError(`posthogProxy: \`${option}\` ${fix}, got ${show(value)}.`);
}

function upstreamOf(option: string, value: string): Upstream {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    fail(option, value, 'must be an http(s) URL such as https://eu.i.posthog.com');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    fail(option, value, 'must be an http(s) URL such as https://eu.i.posthog.com');
  }
  return {
    secure: url.protocol === 'https:',
    hostname: url.hostname.replace(/^\[|\]$/g, ''),
    port: url.port,
    host: url.host,
    basePath: url.pathname.replace(/\/+$/, ''),
  };
}

function sendError(res: ServerResponse, status: 502 | 504, detail: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify({ type: 'proxy_error', detail });
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
  });
  res.end(body);
}

/**
 * A first-party reverse proxy to PostHog, for production (ad blockers and strict
 * CSPs leave the app's own origin alone). Requests under `path` go to PostHog
 * with the prefix removed: `/static/*` to the assets host, everything else to the
 * API host. `Host` is rewritten, the client's address appended to
 * `X-Forwarded-For`, cookies are stripped both ways, and bodies stream through
 * (no buffering, any size). GET, HEAD and POST only (405 otherwise). An upstream
 * that refuses or fails gives the browser 502; one that hangs past `timeoutMs`, 504.
 * The app itself is unaffected either way.
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
export function posthogProxy(options?: Readonly<PosthogProxyOptions>) {
  const checked = checkOptionsObject<PosthogProxyOptions>(
    'posthogProxy',
    "app.use(posthogProxy({ path: '/ingest' }))",
    options,
  );
  const { path = '/ingest', timeoutMs = 10_000 } = checked;
  if (typeof path !== 'string' || !/^\/[^?#\s]*[^/?#\s]$/.test(path)) {
    fail('path', path, "must be a path such as '/ingest' (a leading /, no trailing /)");
  }
  if (!(Number.isSafeInteger(timeoutMs) && timeoutMs > 0)) {
    fail('timeoutMs', timeoutMs, 'must be a positive integer (milliseconds)');
  }
  const client = checked.client ?? getPosthog();
  const { config } = client;
  const api = upstreamOf('apiHost', checked.apiHost ?? config.host);
  const assets = upstreamOf('assetsHost', checked.assetsHost ?? config.assetsHost);
  const warn = rateLimitedWarn(config.logger);

  function forward(req: IncomingMessage, res: ServerResponse, rest: string): void {
    const target = rest.startsWith('/static/') ? assets : api;
    const send = target.secure ? httpsRequest : httpRequest;
    let timedOut = false;
    const upstream = send({
      hostname: target.hostname,
      ...(target.port ? { port: target.port } : {}),
      method: req.method,
      path: `${target.basePath}${rest}`,
      headers: upstreamRequestHeaders(req.headers, target.host, req.socket.remoteAddress),
      timeout: timeoutMs,
    });
    upstream.on('timeout', function upstreamTimedOut() {
      timedOut = true;
      upstream.destroy(new Error(`no answer within ${timeoutMs} ms`));
    });
    upstream.on('error', function upstreamFailed(error: Error) {
      if (res.writableEnded || res.destroyed) return;
      warn(
        `posthogProxy: ${req.method} ${path}${rest.split('?')[0]} to ${target.host} failed: ${error.message}`,
      );
      if (timedOut) sendError(res, 504, 'PostHog did not answer in time');
      else sendError(res, 502, 'PostHog could not be reached');
    });
    upstream.on('response', function upstreamResponded(answer: IncomingMessage) {
      res.writeHead(answer.statusCode ?? 502, downstreamResponseHeaders(answer.headers));
      answer.on('error', () => res.destroy());
      answer.pipe(res);
    });
    // The browser went away: stop talking to PostHog on its behalf.
    res.on('close', function browserGone() {
      if (!res.writableFinished) upstream.destroy();
    });
    req.pipe(upstream);
  }

  return function posthogProxyMiddleware(req: IncomingMessage, res: ServerResponse, next: Next) {
    const url = req.url ?? '/';
    if (!client.enabled || !url.startsWith(path)) {
      next();
      return;
    }
    const rest = url.slice(path.length);
    if (rest !== '' && rest[0] !== '/' && rest[0] !== '?') {
      next();
      return;
    }
    if (!METHODS.has(req.method ?? '')) {
      res.writeHead(405, { Allow: 'GET, HEAD, POST', 'Content-Length': 0 });
      res.end();
      return;
    }
    forward(req, res, rest.startsWith('/') ? rest : `/${rest}`);
  };
}
