import type { IncomingMessage, ServerResponse } from 'node:http';
import { getPosthog, type PosthogClient } from '../../client/index.js';
import type { JsSource } from '../../config/types.js';
import { getRequestUser } from '../../identity/request-user.js';
import { normalizeUser } from '../../identity/user.js';
import { rateLimitedWarn } from '../../logger/rate-limited.js';
import { type BootstrapFlags, snippetIdentity } from '../../snippet/identity.js';
import { createSnippetRenderer } from '../../snippet/render.js';
import { mayTakePage, namesPage } from '../../snippet/request-eligibility.js';
import {
  decideInjection,
  isAlreadyEncoded,
  isSharedCacheable,
} from '../../snippet/response-eligibility.js';
import { type FirstPartyBundle, loadFirstPartyBundle } from './first-party-bundle.js';
import { isRewritten, type RewriteHooks, rewriteResponse } from './rewrite-response.js';

/** Options of {@link posthogSnippet}. */
export interface PosthogSnippetOptions {
  /** The client whose config is used. @default getPosthog() */
  readonly client?: PosthogClient;
  /** Bytes held while looking for the insertion point. @default 4194304 (4 MiB) */
  readonly maxBufferBytes?: number;
  /** The CSP nonce for the script tag. @default res.locals.cspNonce */
  readonly nonce?: (req: IncomingMessage, res: ServerResponse) => string | undefined;
  /** The request's user (shared with `posthogUser`). @default req.user, then res.locals.user */
  readonly getUser?: (req: IncomingMessage, res: ServerResponse) => unknown;
  /** Escape hatch, asked at header time: return false to leave this response alone. */
  readonly shouldInject?: (req: IncomingMessage, res: ServerResponse) => boolean;
  /** Where posthog-js is loaded from. @default config.jsSrc */
  readonly jsSrc?: JsSource;
  /** `api_host` for the browser (a first-party proxy or the inspector). @default config.host */
  readonly apiHost?: string;
  /** Path prefix of the first-party bundle (`jsSrc: 'self'`). @default '/_posthog' */
  readonly assetPrefix?: string;
}

type Next = (error?: unknown) => void;
type Locals = { locals?: Record<string, unknown> };

const DEFAULT_MAX_BUFFER_BYTES = 4 * 1024 * 1024;

function fail(option: string, value: unknown, fix: string): never {
  throw new TypeError(
    `posthogSnippet: \`${option}\` ${fix}, got ${JSON.stringify(value) ?? String(value)}.`,
  );
}

function validate(options: PosthogSnippetOptions): void {
  const looksLikeRequest =
    options !== null && typeof options === 'object' && 'headers' in options && 'method' in options;
  if (looksLikeRequest) {
    throw new TypeError(
      'posthogSnippet was registered without being called. Write app.use(posthogSnippet()), not app.use(posthogSnippet).',
    );
  }
  const { maxBufferBytes, nonce, getUser, shouldInject, jsSrc } = options;
  if (
    maxBufferBytes !== undefined &&
    !(Number.isSafeInteger(maxBufferBytes) && maxBufferBytes > 0)
  ) {
    fail('maxBufferBytes', maxBufferBytes, 'must be a positive integer (bytes), e.g. 4194304');
  }
  for (const [name, fn] of Object.entries({ nonce, getUser, shouldInject })) {
    if (fn !== undefined && typeof fn !== 'function')
      fail(name, fn, 'must be a function (req, res) => …');
  }
  if (jsSrc !== undefined && jsSrc !== 'cdn' && jsSrc !== 'self')
    fail('jsSrc', jsSrc, "must be 'cdn' or 'self'");
}

function bootstrapFlags(res: ServerResponse): BootstrapFlags | undefined {
  const flags = (res as Locals).locals?.posthogFlags;
  return flags && typeof flags === 'object' ? (flags as BootstrapFlags) : undefined;
}

/** The request path without its query, which may hold secrets: for log lines. */
function pathOf(req: IncomingMessage): string {
  return (req.url ?? '').split('?')[0] ?? '';
}

function isHtml(contentType: unknown): boolean {
  return /^\s*(text\/html|application\/xhtml\+xml)\b/i.test(String(contentType ?? ''));
}

/**
 * For a page request (GET or HEAD accepting HTML), takes `If-None-Match` and
 * `If-Modified-Since` off the request, so the app cannot answer 304 from the
 * validators of its own body: the client may hold that body with another snippet.
 * Returns the entity tags the client holds, for the middleware to compare with
 * the snippet-marked ETag itself.
 */
function takeConditionals(req: IncomingMessage): string[] {
  if ((req.method !== 'GET' && req.method !== 'HEAD') || !namesPage(req.headers.accept)) {
    return [];
  }
  const held = req.headers['if-none-match'];
  delete req.headers['if-none-match'];
  delete req.headers['if-modified-since'];
  return held ? held.split(',').map((tag) => tag.trim().replace(/^W\//, '')) : [];
}

/** `Vary` already names `Accept` (or is `*`). */
const VARIES_ON_ACCEPT = /(?:^|,)\s*(?:\*|accept)\s*(?=,|$)/i;

/**
 * Adds `Accept` to the response's `Vary`, once: the middleware left this response alone
 * because of the request's `Accept`, so a cache must not hand it to a browser that asks for a
 * page (SPEC §4: a cached copy's snippet must be the same for everyone).
 */
function varyOnAccept(res: ServerResponse): void {
  const current = res.getHeader('Vary');
  const text = Array.isArray(current) ? current.join(', ') : String(current ?? '');
  if (VARIES_ON_ACCEPT.test(text)) return;
  res.setHeader('Vary', text.trim() === '' ? 'Accept' : `${text}, Accept`);
}

function serveBundle(req: IncomingMessage, res: ServerResponse, bundle: FirstPartyBundle): void {
  res.statusCode = 200;
  res.setHeader('Content-Type', 'application/javascript; charset=utf-8');
  res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
  res.setHeader('ETag', bundle.etag);
  res.setHeader('Content-Length', bundle.body.length);
  if (req.headers['if-none-match'] === bundle.etag) {
    res.statusCode = 304;
    res.removeHeader('Content-Length');
    res.end();
    return;
  }
  res.end(req.method === 'HEAD' ? undefined : bundle.body);
}

/**
 * The snippet injection middleware (SPEC §4–5): splices the PostHog browser snippet
 * into every full HTML page, streamed or not. Register it **after** `compression()`.
 * Disabled (no `POSTHOG_API_KEY`), it is a pass-through.
 *
 * @param options - see {@link PosthogSnippetOptions}; every field is optional.
 * @example
 * app.use(compression());
 * app.use(posthogSnippet());
 * app.use(posthogUser());
 */
export function posthogSnippet(options: Readonly<PosthogSnippetOptions> = {}) {
  validate(options);
  const client = options.client ?? getPosthog();
  const { config } = client;
  if (!client.enabled) {
    return function posthogSnippetDisabled(
      _req: IncomingMessage,
      _res: ServerResponse,
      next: Next,
    ) {
      next();
    };
  }
  const {
    maxBufferBytes = DEFAULT_MAX_BUFFER_BYTES,
    nonce,
    getUser,
    shouldInject,
    jsSrc = config.jsSrc,
    apiHost,
    assetPrefix,
  } = options;
  const logger = config.logger;
  const debugLines = logger.isLevelEnabled?.('debug') ?? true;
  const warn = rateLimitedWarn(logger);
  const bundle = jsSrc === 'self' ? loadFirstPartyBundle(assetPrefix) : undefined;
  const render = createSnippetRenderer(config, {
    src: bundle ? bundle.url : `${config.assetsHost}/static/array.js`,
    ...(apiHost !== undefined ? { apiHost } : {}),
  });
  let warnedEncoded = false;
  let loggedRenderError = false;

  function skip(req: IncomingMessage, why: string): undefined {
    if (debugLines) logger.debug(`snippet not injected into ${req.method} ${pathOf(req)}: ${why}`);
    return undefined;
  }

  function decide(req: IncomingMessage, res: ServerResponse): Buffer | undefined {
    const contentType = res.getHeader('Content-Type');
    // The common case, a JSON or asset response, costs one header read and one test.
    if (!debugLines && !isHtml(contentType)) return undefined;
    const contentEncoding = res.getHeader('Content-Encoding');
    const verdict = decideInjection({
      status: res.statusCode,
      method: req.method ?? 'GET',
      contentType,
      contentEncoding,
      cacheControl: res.getHeader('Cache-Control'),
    });
    if (!verdict.inject) {
      if (
        verdict.reason === 'content-encoding' &&
        !warnedEncoded &&
        isHtml(contentType) &&
        isAlreadyEncoded(contentEncoding)
      ) {
        warnedEncoded = true;
        logger.warn(
          `posthogSnippet saw an HTML response already encoded (Content-Encoding: ${String(contentEncoding)}) and left it alone. Register it after compression(): app.use(compression()); app.use(posthogSnippet()).`,
        );
      }
      return skip(req, verdict.detail);
    }
    try {
      if (shouldInject && !shouldInject(req, res)) return skip(req, 'shouldInject returned false');
      const user = getUser ? normalizeUser(getUser(req, res)) : getRequestUser(req);
      const identity = snippetIdentity(
        user,
        config.identifyPii,
        isSharedCacheable(res.getHeader('Cache-Control')),
        bootstrapFlags(res),
      );
      const value = nonce ? nonce(req, res) : (res as Locals).locals?.cspNonce;
      return render(identity, typeof value === 'string' && value !== '' ? value : undefined);
    } catch (error) {
      if (!loggedRenderError) {
        loggedRenderError = true;
        logger.error(
          `posthogSnippet could not render the snippet; the response goes out unmodified: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
        );
      }
      return undefined;
    }
  }

  const hooks: RewriteHooks = {
    decide,
    maxBufferBytes,
    passthrough(req, reason) {
      if (reason === 'buffer-cap') {
        warn(
          `posthogSnippet found no </head> or <body> in the first ${maxBufferBytes} bytes of ${req.method} ${pathOf(req)}; the page went out unmodified. Raise maxBufferBytes if the page has a very long head.`,
        );
      }
    },
  };

  return function posthogSnippetMiddleware(req: IncomingMessage, res: ServerResponse, next: Next) {
    if (bundle && (req.method === 'GET' || req.method === 'HEAD') && pathOf(req) === bundle.url) {
      serveBundle(req, res, bundle);
      return;
    }
    if (isRewritten(res)) {
      next();
      return;
    }
    if (!mayTakePage(req.headers.accept)) {
      // An API client: whatever it gets is not run as a page. Nothing is wrapped.
      varyOnAccept(res);
      if (debugLines)
        skip(
          req,
          `the request does not accept HTML (Accept: ${JSON.stringify(req.headers.accept)})`,
        );
      next();
      return;
    }
    const held = takeConditionals(req);
    rewriteResponse(req, res, hooks, held);
    next();
  };
}
