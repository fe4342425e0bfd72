import type { IncomingMessage, ServerResponse } from 'node:http';
import { getRequestUser } from '../core/attribution/request-user.js';
import type { PosthogClient } from '../core/client/index.js';
import type { JsSource } from '../core/config/types.js';
import { describeError } from '../core/errors/describe-error.js';
import { takeConditionals } from '../core/http/conditional.js';
import { contentHash } from '../core/http/content-hash.js';
import {
  cspProblems,
  describeFix,
  policyShape,
  runsNoScript,
  snippetNeeds,
} from '../core/http/csp.js';
import { isPrivateToUser } from '../core/http/shared-cache.js';
import { type StaticAsset, serveAsset } from '../core/http/static-asset.js';
import { rateLimitedWarn } from '../core/log/rate-limited.js';
import { checkFunctionOption, checkOptionsObject, clientOption } from '../core/options/options.js';
import { posthogProxy } from '../proxy/index.js';
import { bootAsset, loadFirstPartyBundle } from './first-party-bundle.js';
import { type BootstrapFlags, snippetIdentity } from './identity.js';
import { createSnippet, type SnippetDelivery } from './render.js';
import { mayTakePage } from './request-eligibility.js';
import { type AdapterHooks, adaptResponse, isAdapted } from './response-adapter.js';
import { decideInjection, isAlreadyEncoded, isHtmlType } from './response-eligibility.js';
import type { PassthroughReason } from './splice.js';

/** Options of {@link posthogSnippet}. */
export interface PosthogSnippetOptions {
  /** The client whose config is used. @default getPosthog() */
  readonly client?: PosthogClient;
  /** Bytes held while looking for the insertion point. @default 4194304 (4 MiB) */
  readonly maxBufferBytes?: number;
  /** The CSP nonce for the script tag. @default res.locals.cspNonce */
  readonly nonce?: (req: IncomingMessage, res: ServerResponse) => string | undefined;
  /** Escape hatch, asked once the response is known to be a page: false leaves it alone. */
  readonly shouldInject?: (req: IncomingMessage, res: ServerResponse) => boolean;
  /** Where posthog-js is loaded from. @default config.jsSrc */
  readonly jsSrc?: JsSource;
  /** `api_host` for the browser (a first-party proxy or the inspector). @default config.host */
  readonly apiHost?: string;
  /** Path prefix of the boot script and the first-party bundle. @default '/_posthog' */
  readonly assetPrefix?: string;
  /**
   * `boot`: each page carries one small tag loading the boot script, served by this middleware
   * under `assetPrefix` with an immutable cache; `inline`: the whole snippet in each page, for
   * apps that cannot route a path to it. @default 'boot'
   */
  readonly delivery?: SnippetDelivery;
  /**
   * Serve everything the browser needs from the app's origin, under one path prefix: the boot
   * script, the posthog-js bundle (`jsSrc: 'self'`) and an ingestion proxy to the PostHog host
   * (`posthogProxy`) as posthog-js's `api_host`. A `script-src 'self'` / `connect-src 'self'`
   * policy (helmet's defaults) then needs no edit. @default config.firstParty (`POSTHOG_FIRST_PARTY`)
   */
  readonly firstParty?: boolean;
}

type Next = (error?: unknown) => void;

/**
 * What {@link posthogSnippet} returns: a plain Node middleware `(req, res, next)`, for Express
 * and Connect alike.
 */
export type PosthogSnippetMiddleware = (
  req: IncomingMessage,
  res: ServerResponse,
  next: (error?: unknown) => void,
) => void;

/** Where the app mounted the middleware (`app.use('/path', posthogSnippet())`), if not the root. */
const MOUNT_PATH = Symbol('express-posthog.snippet-mount');
type Mounted = IncomingMessage & { baseUrl?: string; [MOUNT_PATH]?: string };
type Locals = { locals?: Record<string, unknown> };

const FACTORY = 'posthogSnippet';
const USAGE = 'app.use(posthogSnippet())';
const DEFAULT_MAX_BUFFER_BYTES = 4 * 1024 * 1024;

/** What a body left alone is told in the debug log, by reason. */
const PASSTHROUGH_DETAIL: Record<PassthroughReason, string> = {
  'no-insertion-point': 'the body has no </head>, <body> or document start (a fragment)',
  guard: 'the page already carries a PostHog snippet or a posthog.init( call',
  'utf-16': 'the body starts with a UTF-16 byte-order mark',
  'buffer-cap': 'no insertion point within maxBufferBytes',
  flush: 'the app flushed the page at a place where a script cannot go',
};

function validate(options: Readonly<Partial<PosthogSnippetOptions>>): void {
  const { maxBufferBytes, nonce, shouldInject, jsSrc, delivery, firstParty } = options;
  if (firstParty !== undefined && typeof firstParty !== 'boolean') {
    throw new TypeError(
      `${FACTORY}: \`firstParty\` must be true or false, got ${JSON.stringify(firstParty)}.`,
    );
  }
  if ('getUser' in options) {
    throw new TypeError(
      `${FACTORY}: \`getUser\` was removed: the snippet now reads the user that posthogUser() resolved, sync or async. Move it: app.use(posthogUser({ getUser })), registered after your auth.`,
    );
  }
  if (
    maxBufferBytes !== undefined &&
    !(Number.isSafeInteger(maxBufferBytes) && maxBufferBytes > 0)
  ) {
    throw new TypeError(
      `${FACTORY}: \`maxBufferBytes\` must be a positive integer (bytes), got ${JSON.stringify(maxBufferBytes) ?? String(maxBufferBytes)}. Use a number of bytes, e.g. 4194304.`,
    );
  }
  checkFunctionOption(FACTORY, 'nonce', nonce, '(req, res) => res.locals.cspNonce');
  checkFunctionOption(FACTORY, 'shouldInject', shouldInject, '(req, res) => true');
  if (delivery !== undefined && delivery !== 'boot' && delivery !== 'inline') {
    throw new TypeError(
      `${FACTORY}: \`delivery\` must be 'boot' or 'inline', got ${JSON.stringify(delivery)}.`,
    );
  }
  if (jsSrc !== undefined && jsSrc !== 'cdn' && jsSrc !== 'self') {
    throw new TypeError(
      `${FACTORY}: \`jsSrc\` must be 'cdn' or 'self', got ${JSON.stringify(jsSrc)}.`,
    );
  }
}

function bootstrapFlags(res: ServerResponse): BootstrapFlags | undefined {
  const flags = (res as Locals).locals?.posthogFlags;
  return flags && typeof flags === 'object' ? (flags as BootstrapFlags) : undefined;
}

/** The request path without its query, which may hold secrets: for log lines. */
function pathOf(req: IncomingMessage): string {
  return (req.url ?? '').split('?')[0] ?? '';
}

/** `Vary` already names `Accept` (or is `*`). */
const VARIES_ON_ACCEPT = /(?:^|,)\s*(?:\*|accept)\s*(?=,|$)/i;

/**
 * Adds `Accept` to the response's `Vary`, once: the middleware left this response alone
 * because of the request's `Accept`, so a cache must not hand it to a browser that asks for a
 * page (a cached copy's snippet must be the same for everyone).
 */
function varyOnAccept(res: ServerResponse): void {
  const current = res.getHeader('Vary');
  const text = Array.isArray(current) ? current.join(', ') : String(current ?? '');
  if (VARIES_ON_ACCEPT.test(text)) return;
  res.setHeader('Vary', text.trim() === '' ? 'Accept' : `${text}, Accept`);
}

/**
 * The snippet injection middleware: splices the PostHog browser snippet into every full HTML
 * page, streamed or not (docs/observability.md, "The browser snippet"). Register it **after**
 * `compression()`. Disabled (no `POSTHOG_API_KEY`), it is a pass-through.
 *
 * The user comes from `posthogUser()` (register it after your auth): the snippet reads what it
 * resolved when the page's headers leave.
 *
 * @param options - see {@link PosthogSnippetOptions}; every field is optional.
 * @example
 * app.use(compression());
 * app.use(posthogSnippet());
 * app.use(yourAuth);
 * app.use(posthogUser());
 */
export function posthogSnippet(
  options?: Readonly<PosthogSnippetOptions>,
): PosthogSnippetMiddleware {
  const checked = checkOptionsObject<PosthogSnippetOptions>(FACTORY, USAGE, options);
  validate(checked);
  const client = clientOption(FACTORY, checked.client)();
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
    shouldInject,
    delivery = 'boot',
  } = checked;
  const firstParty = checked.firstParty ?? config.firstParty;
  // First-party: one prefix that names neither PostHog nor analytics, stable for the project.
  const assetPrefix = (
    checked.assetPrefix ??
    (firstParty ? `/_${contentHash(Buffer.from(config.apiKey ?? '')).slice(0, 8)}` : '/_posthog')
  ).replace(/\/+$/, '');
  const jsSrc = firstParty ? 'self' : (checked.jsSrc ?? config.jsSrc);
  const ingestPath = `${assetPrefix}/i`;
  const apiHost = checked.apiHost ?? (firstParty ? ingestPath : undefined);
  const proxy =
    firstParty && checked.apiHost === undefined
      ? posthogProxy({ client, path: ingestPath })
      : undefined;
  const logger = config.logger;
  const debugLines = logger.isLevelEnabled?.('debug') ?? false;
  const warn = rateLimitedWarn(logger);
  const bundle = jsSrc === 'self' ? loadFirstPartyBundle(assetPrefix) : undefined;
  const loaderUrl = bundle ? bundle.url : `${config.assetsHost}/static/array.js`;
  const snippet = createSnippet(config, {
    // The boot script loads the bundle beside it, by a relative URL; the inline snippet by path.
    src:
      bundle && delivery === 'boot' ? loaderUrl.slice(loaderUrl.lastIndexOf('/') + 1) : loaderUrl,
    delivery,
    bootUrl: (hash) => `${assetPrefix}/boot.${hash}.js`,
    ...(apiHost !== undefined ? { apiHost } : {}),
  });
  const render = snippet.render;
  const assets = new Map<string, StaticAsset>();
  if (bundle) assets.set(bundle.url, bundle);
  if (snippet.bootCode !== undefined && snippet.bootUrl !== undefined) {
    const boot = bootAsset(snippet.bootUrl, snippet.bootCode);
    assets.set(boot.url, boot);
  }
  let warnedEncoded = false;
  let loggedRenderError = false;
  const needs = snippetNeeds({
    bootUrl: snippet.bootUrl,
    src: loaderUrl,
    apiHost: apiHost ?? config.host,
    // posthog-js loads its remote config (and lazy extensions) from the assets host.
    configHost: apiHost ?? config.assetsHost,
  });
  /** Policy shapes (nonces blanked) already checked: each page's policy is checked once. */
  const checkedPolicies = new Set<string>();

  /** Warns once per distinct policy that would block the snippet, naming the fix. */
  function checkPolicy(
    req: IncomingMessage,
    policy: unknown,
    nonceValue: string | undefined,
  ): void {
    // A page that runs no script at all (Express's own error pages) is nothing to report.
    if (typeof policy !== 'string' || policy === '' || runsNoScript(policy)) return;
    const shape = policyShape(policy);
    if (checkedPolicies.has(shape) || checkedPolicies.size >= 64) return;
    checkedPolicies.add(shape);
    const problems = cspProblems(policy, needs, nonceValue);
    if (problems.length === 0) return;
    const fixes = problems.map(describeFix);
    const orFirstParty = firstParty
      ? ''
      : " Or set POSTHOG_FIRST_PARTY=true to serve the snippet, posthog-js and the ingestion from this origin, which a 'self' policy allows.";
    logger.warn(
      `posthogSnippet: the Content-Security-Policy of ${req.method} ${pathOf(req)} blocks PostHog: ${fixes.join('; ')}.${orFirstParty}`,
    );
  }

  /** Every reason a response goes out without the snippet passes here. */
  function skip(req: IncomingMessage, reason: string): false {
    if (debugLines)
      logger.debug(`snippet not injected into ${req.method} ${pathOf(req)}: ${reason}`);
    return false;
  }

  function warnIfEncoded(contentType: unknown, contentEncoding: unknown): void {
    if (warnedEncoded || !isHtmlType(contentType) || !isAlreadyEncoded(contentEncoding as string))
      return;
    warnedEncoded = true;
    logger.warn(
      `posthogSnippet saw an HTML response already encoded (Content-Encoding: ${String(contentEncoding)}) and left it alone. Register it after compression(): app.use(compression()); app.use(posthogSnippet()).`,
    );
  }

  const hooks: AdapterHooks = {
    maxBufferBytes,
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
        const identity = snippetIdentity(
          getRequestUser(req),
          config.identifyPii,
          !isPrivateToUser((name) => res.getHeader(name), res.getHeaderNames()),
          bootstrapFlags(res),
        );
        const value = nonce ? nonce(req, res) : (res as Locals).locals?.cspNonce;
        checkPolicy(
          req,
          res.getHeader('Content-Security-Policy'),
          typeof value === 'string' && value !== '' ? value : undefined,
        );
        const bytes = render(
          identity,
          typeof value === 'string' && value !== '' ? value : undefined,
          (req as Mounted)[MOUNT_PATH],
        );
        return { bytes, carriesUser: identity.state === 'user' };
      } catch (error) {
        if (!loggedRenderError) {
          loggedRenderError = true;
          logger.error(
            `posthogSnippet could not render the snippet; the response goes out unmodified: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
          );
        }
        skip(req, 'the snippet could not be rendered');
        return undefined;
      }
    },
    passedThrough(req, reason) {
      if (reason === 'buffer-cap') {
        warn(
          `posthogSnippet found no </head> or <body> in the first ${maxBufferBytes} bytes of ${req.method} ${pathOf(req)}; the page went out unmodified. Raise maxBufferBytes if the page has a very long head.`,
        );
      }
      skip(req, PASSTHROUGH_DETAIL[reason]);
    },
  };

  return function posthogSnippetMiddleware(req: IncomingMessage, res: ServerResponse, next: Next) {
    const path = pathOf(req);
    const asset = req.method === 'GET' || req.method === 'HEAD' ? assets.get(path) : undefined;
    if (asset) {
      serveAsset(req, res, asset);
      return;
    }
    if (proxy && (path === ingestPath || path.startsWith(`${ingestPath}/`))) {
      proxy(req, res, next);
      return;
    }
    if (isAdapted(res)) {
      next();
      return;
    }
    if (!mayTakePage(req.headers.accept)) {
      // An API client: whatever it gets is not run as a page. Nothing is wrapped.
      varyOnAccept(res);
      if (debugLines) {
        skip(
          req,
          `the request does not accept HTML (Accept: ${JSON.stringify(req.headers.accept)})`,
        );
      }
      next();
      return;
    }
    const mount = (req as Mounted).baseUrl;
    // Express resets req.baseUrl once the request leaves this mount: keep it for the boot tag.
    if (mount) (req as Mounted)[MOUNT_PATH] = mount;
    adaptResponse(req, res, hooks, takeConditionals(req.method, req.headers));
    next();
  };
}
