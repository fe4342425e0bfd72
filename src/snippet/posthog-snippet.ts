import type { IncomingMessage, ServerResponse } from 'node:http';
import type { PosthogClient } from '../core/client/index.js';
import { MAX_TIMER_MS, show } from '../core/config/parse.js';
import type { JsSource } from '../core/config/types.js';
import { takeConditionals } from '../core/http/conditional.js';
import { addVary } from '../core/http/vary.js';
import {
  checkBooleanOption,
  checkFunctionOption,
  checkJsonOption,
  checkOptionsObject,
  checkPositiveInteger,
  clientOption,
  optionKeys,
} from '../core/options/options.js';
import { browserAssets } from './browser-assets.js';
import { cspCheck } from './csp-check.js';
import { unmarkPreconditions } from './etag.js';
import { type PageHooks, pageHooks } from './page-hooks.js';
import { OWNED_BROWSER_OPTIONS, type SnippetDelivery } from './render.js';
import { mayTakePage } from './request-eligibility.js';
import { adaptResponse, isAdapted } from './response-adapter.js';

/** Options of {@link posthogSnippet}. */
export interface PosthogSnippetOptions {
  /** The client whose config is used. @default getPosthog() */
  readonly client?: PosthogClient;
  /** Bytes held while looking for the insertion point. @default 4194304 (4 MiB) */
  readonly maxBufferBytes?: number;
  /**
   * Milliseconds held bytes may wait for the app's next write before the insertion point is
   * decided: past that, they are decided as at a `res.flush()` and go out, so a page that
   * writes its head and then awaits a query is never stalled.
   * @default config.snippetHoldMs (`POSTHOG_SNIPPET_HOLD_MS`, 50)
   */
  readonly holdMs?: number;
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
  /**
   * The app's own posthog-js init options, as JSON values merged over the snippet's defaults
   * (an object value one level deep): `{ autocapture: true, capture_heatmaps: true,
   * capture_performance: { web_vitals: true } }`. The keys the package owns (`api_host`,
   * `ui_host`, `token`, `loaded`, `bootstrap`, `before_send`, `tracing_headers`, persistence
   * and consent keys) and function values are refused with a `TypeError` naming the key. The
   * boot script's content hash follows them. @default {}
   */
  readonly browser?: Readonly<Record<string, unknown>>;
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

const FACTORY = 'posthogSnippet';
const USAGE = 'app.use(posthogSnippet())';
/** Its options; any other key is refused (`getUser` passes, for `validate` to say where it went). */
const OPTION_KEYS = optionKeys<PosthogSnippetOptions>({
  client: true,
  maxBufferBytes: true,
  holdMs: true,
  nonce: true,
  shouldInject: true,
  jsSrc: true,
  apiHost: true,
  assetPrefix: true,
  delivery: true,
  firstParty: true,
  browser: true,
});
const DEFAULT_MAX_BUFFER_BYTES = 4 * 1024 * 1024;

function validate(options: Readonly<Partial<PosthogSnippetOptions>>): void {
  const { maxBufferBytes, holdMs, nonce, shouldInject, jsSrc, delivery, firstParty } = options;
  checkBooleanOption(FACTORY, 'firstParty', firstParty);
  if ('getUser' in options) {
    throw new TypeError(
      `${FACTORY}: \`getUser\` was removed: the snippet now reads the user that posthogUser() resolved, sync or async. Move it: app.use(posthogUser({ getUser })), registered after your auth.`,
    );
  }
  checkPositiveInteger(FACTORY, 'maxBufferBytes', maxBufferBytes, {
    unit: 'bytes',
    fix: 'Use a number of bytes, e.g. 4194304.',
  });
  checkPositiveInteger(FACTORY, 'holdMs', holdMs, {
    max: MAX_TIMER_MS,
    unit: 'ms',
    fix: 'Use a number of milliseconds, e.g. 50.',
  });
  checkFunctionOption(FACTORY, 'nonce', nonce, '(req, res) => res.locals.cspNonce');
  checkFunctionOption(FACTORY, 'shouldInject', shouldInject, '(req, res) => true');
  if (delivery !== undefined && delivery !== 'boot' && delivery !== 'inline') {
    throw new TypeError(
      `${FACTORY}: \`delivery\` must be 'boot' or 'inline', got ${show(delivery)}.`,
    );
  }
  if (jsSrc !== undefined && jsSrc !== 'cdn' && jsSrc !== 'self') {
    throw new TypeError(`${FACTORY}: \`jsSrc\` must be 'cdn' or 'self', got ${show(jsSrc)}.`);
  }
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
  const checked = checkOptionsObject<PosthogSnippetOptions>(FACTORY, USAGE, options, OPTION_KEYS, [
    'getUser',
  ]);
  validate(checked);
  const browser = checkJsonOption(FACTORY, 'browser', checked.browser, OWNED_BROWSER_OPTIONS);
  const client = clientOption(FACTORY, checked.client)();
  if (!client.enabled) {
    return function posthogSnippetDisabled(
      _req: IncomingMessage,
      _res: ServerResponse,
      next: Next,
    ) {
      next();
    };
  }
  const { config } = client;
  const assets = browserAssets(client, { ...checked, browser });
  if (!assets) return posthogSnippetWithoutBundle;
  const hooks = pageHooks({
    config,
    maxBufferBytes: checked.maxBufferBytes ?? DEFAULT_MAX_BUFFER_BYTES,
    holdMs: checked.holdMs ?? config.snippetHoldMs,
    nonce: checked.nonce,
    shouldInject: checked.shouldInject,
    render: assets.render,
    checkPolicy: cspCheck(assets.needs, assets.firstParty, config.logger),
  });

  return function posthogSnippetMiddleware(req: IncomingMessage, res: ServerResponse, next: Next) {
    if (assets.serve(req, res, next)) return;
    unmarkPreconditions(req.headers);
    if (!isAdapted(res) && watchesResponse(req, res, hooks)) {
      adaptResponse(req, res, hooks, takeConditionals(req.method, req.headers));
    }
    next();
  };
}

/** The snippet when posthog-js is to be served but is not installed: a pass-through (logged once). */
function posthogSnippetWithoutBundle(
  _req: IncomingMessage,
  _res: ServerResponse,
  next: Next,
): void {
  next();
}

/**
 * Whether the middleware watches this response. A request whose `Accept` rules out a page
 * (an API client) is left alone at once, nothing wrapped, and its response says
 * `Vary: Accept`; any other has its mount remembered for the boot tag.
 */
function watchesResponse(req: IncomingMessage, res: ServerResponse, hooks: PageHooks): boolean {
  if (!mayTakePage(req.headers.accept)) {
    addVary(res, 'Accept');
    return hooks.skip(req, notAcceptingHtml);
  }
  hooks.rememberMount(req);
  return true;
}

/** The debug line's reason for an API client; a module-level function, so no closure per request. */
function notAcceptingHtml(req: IncomingMessage): string {
  return `the request does not accept HTML (Accept: ${JSON.stringify(req.headers.accept)})`;
}
