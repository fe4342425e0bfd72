import type { IncomingMessage, ServerResponse } from 'node:http';
import { pageMayCarryIdentity } from '../core/attribution/consent.js';
import { getRequestUser } from '../core/attribution/request-user.js';
import type { PosthogConfig } from '../core/config/types.js';
import { describeError, isError, safeField } from '../core/errors/describe-error.js';
import { isHtmlType } from '../core/http/media-type.js';
import { isPrivateToUser } from '../core/http/shared-cache.js';
import { pathWithoutQuery } from '../core/http/url-path.js';
import { rateLimitedWarn } from '../core/log/rate-limited.js';
import type { CspCheck } from './csp-check.js';
import { type BootstrapFlags, snippetIdentity } from './identity.js';
import type { SnippetRenderer } from './render.js';
import type { AdapterHooks } from './response-adapter.js';
import { decideInjection, isAlreadyEncoded } from './response-eligibility.js';
import type { PassthroughReason } from './splice.js';

/** What the hooks need, worked out once per middleware. */
export interface PageHookSettings {
  readonly config: PosthogConfig;
  readonly maxBufferBytes: number;
  readonly holdMs: number;
  readonly nonce: ((req: IncomingMessage, res: ServerResponse) => string | undefined) | undefined;
  readonly shouldInject: ((req: IncomingMessage, res: ServerResponse) => boolean) | undefined;
  readonly render: SnippetRenderer;
  readonly checkPolicy: CspCheck;
}

/** The adapter's hooks, and the one way out for a response that goes without the snippet. */
export interface PageHooks extends AdapterHooks {
  /**
   * Every reason a response goes out without the snippet passes here: said at debug level,
   * with the request's method and path. `reason` may be a function of the request, called
   * only when debug lines are written (a module-level one costs nothing per request).
   */
  skip(req: IncomingMessage, reason: string | ((req: IncomingMessage) => string)): false;
  /**
   * Keeps where the app mounted the middleware (`app.use('/path', posthogSnippet())`): Express
   * resets `req.baseUrl` once the request leaves the mount, and the boot tag needs it.
   */
  rememberMount(req: IncomingMessage): void;
}

/** Where the app mounted the middleware, if not at the root. */
const MOUNT_PATH = Symbol('express-posthog.snippet-mount');
type Mounted = IncomingMessage & { baseUrl?: string; [MOUNT_PATH]?: string };
type Locals = { locals?: Record<string, unknown> };

/** What a body left alone is told in the debug log, by reason. */
const PASSTHROUGH_DETAIL: Record<PassthroughReason, string> = {
  'no-insertion-point': 'the body has no </head>, <body> or document start (a fragment)',
  guard: 'the page already carries a PostHog snippet or a posthog.init( call',
  'utf-16': 'the body starts with a UTF-16 byte-order mark',
  'buffer-cap': 'no insertion point within maxBufferBytes',
  flush:
    'the app flushed the page, or wrote nothing for holdMs, at a place where a script cannot go',
};

/** The stack of a thrown error when it can be read, else the one description of the errors floor. */
function stackOf(error: unknown): string {
  const stack = isError(error) ? safeField(error, 'stack') : undefined;
  return typeof stack === 'string' ? stack : describeError(error);
}

function bootstrapFlags(res: ServerResponse): BootstrapFlags | undefined {
  const flags = (res as Locals).locals?.posthogFlags;
  return flags && typeof flags === 'object' ? (flags as BootstrapFlags) : undefined;
}

/**
 * The hooks of one snippet middleware (docs/snippet-internals.md): whether a response takes
 * the snippet — `decideInjection` on its status and headers, then the app's `shouldInject`
 * — the snippet for its user, and what is logged when a page goes out without it.
 * @param settings - the checked options and what the factory worked out from them.
 * @example
 * const hooks = pageHooks({ config, maxBufferBytes, holdMs, nonce, shouldInject, render, checkPolicy });
 * adaptResponse(req, res, hooks, takeConditionals(req.method, req.headers));
 */
export function pageHooks(settings: PageHookSettings): PageHooks {
  const { config, maxBufferBytes, holdMs, nonce, shouldInject, render, checkPolicy } = settings;
  const logger = config.logger;
  const debugLines = logger.isLevelEnabled?.('debug') ?? false;
  const warn = rateLimitedWarn(logger);
  let loggedRenderError = false;

  function skip(req: IncomingMessage, reason: string | ((req: IncomingMessage) => string)): false {
    if (debugLines) {
      const text = typeof reason === 'function' ? reason(req) : reason;
      logger.debug(`snippet not injected into ${req.method} ${pathWithoutQuery(req.url)}: ${text}`);
    }
    return false;
  }

  function warnIfEncoded(contentType: unknown, contentEncoding: unknown): void {
    if (!isHtmlType(contentType) || !isAlreadyEncoded(contentEncoding as string)) return;
    warn.once(
      'already-encoded',
      `posthogSnippet saw an HTML response already encoded (Content-Encoding: ${String(contentEncoding)}) and left it alone. Register it after compression(): app.use(compression()); app.use(posthogSnippet()).`,
    );
  }

  return {
    maxBufferBytes,
    holdMs,
    skip,
    rememberMount(req) {
      const mount = (req as Mounted).baseUrl;
      if (mount) (req as Mounted)[MOUNT_PATH] = mount;
    },
    takesSnippet(req, res) {
      const contentType = res.getHeader('Content-Type');
      // The common case, a JSON or asset response, costs one header read and one test.
      if (!debugLines && !isHtmlType(contentType)) return false;
      const contentEncoding = res.getHeader('Content-Encoding');
      const verdict = decideInjection({
        status: res.statusCode,
        method: req.method ?? 'GET',
        contentType,
        contentEncoding,
        cacheControl: res.getHeader('Cache-Control'),
      });
      if (!verdict.inject) {
        if (verdict.reason === 'content-encoding') warnIfEncoded(contentType, contentEncoding);
        return skip(req, verdict.detail);
      }
      try {
        if (shouldInject && !shouldInject(req, res))
          return skip(req, 'shouldInject returned false');
      } catch (error) {
        warn(
          `posthogSnippet: shouldInject threw (${describeError(error)}); the page went out unmodified.`,
        );
        return skip(req, 'shouldInject threw');
      }
      return true;
    },
    render(req, res) {
      try {
        const user = getRequestUser(req);
        const identity = snippetIdentity(
          user,
          config.identifyPii,
          !isPrivateToUser(res) ||
            // A user's identity, never an anonymous page's bytes, depends on the consent cookie.
            (user !== undefined &&
              !pageMayCarryIdentity(config.consent, req.headers, config.apiKey)),
          bootstrapFlags(res),
        );
        const given = nonce ? nonce(req, res) : (res as Locals).locals?.cspNonce;
        const nonceValue = typeof given === 'string' && given !== '' ? given : undefined;
        checkPolicy(req, res.getHeader('Content-Security-Policy'), nonceValue);
        const bytes = render(identity, nonceValue, (req as Mounted)[MOUNT_PATH]);
        return { bytes, carriesUser: identity.state === 'user' };
      } catch (error) {
        if (!loggedRenderError) {
          loggedRenderError = true;
          logger.error(
            `posthogSnippet could not render the snippet; the response goes out unmodified: ${stackOf(error)}`,
          );
        }
        skip(req, 'the snippet could not be rendered');
        return undefined;
      }
    },
    passedThrough(req, reason) {
      if (reason === 'buffer-cap') {
        warn(
          `posthogSnippet found no </head> or <body> in the first ${maxBufferBytes} bytes of ${req.method} ${pathWithoutQuery(req.url)}; the page went out unmodified. Raise maxBufferBytes if the page has a very long head.`,
        );
      }
      skip(req, PASSTHROUGH_DETAIL[reason]);
    },
  };
}
