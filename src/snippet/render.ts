import { sendsToLocalInspector } from '../core/config/local-inspector.js';
import type { PosthogConfig } from '../core/config/types.js';
import { escapeHtml, jsonForScript } from '../core/escape/escape.js';
import { contentHash } from '../core/http/content-hash.js';
import { browserCode, fillBootScript } from './browser-code.js';
import { ANONYMOUS, type SnippetIdentity, WITHHELD } from './identity.js';
import { SNIPPET_MARKER_ATTRIBUTE } from './insertion-point.js';
import { IDENTITY_FROM_TAG, renderTemplate } from './template.js';

/** The default replay mask list (docs/observability.md); the operator's selector is appended. */
export const DEFAULT_MASK_SELECTOR =
  '[data-sensitive], .data-cell, .query-result, .sql-output, code, pre';

/**
 * How the snippet reaches the page: `boot`, one small tag whose script is served
 * first-party at a content-hashed URL (cached for a year) and whose marker attribute carries
 * the identity; `inline`, the whole snippet in the page.
 */
export type SnippetDelivery = 'boot' | 'inline';

/** What the snippet needs beyond the config. */
export interface SnippetSettings {
  /** URL of the posthog-js loader script (`array.js` on the CDN, or the first-party bundle). */
  readonly src: string;
  /** `api_host` for posthog-js. @default config.host */
  readonly apiHost?: string;
  /** @default 'boot' */
  readonly delivery?: SnippetDelivery;
  /** Builds the boot script's URL from its content hash (`boot` delivery). */
  readonly bootUrl?: (hash: string) => string;
  /** The app's own posthog-js init options (`posthogSnippet({ browser })`), already checked. */
  readonly browser?: BrowserInitOptions;
}

/** posthog-js init options as JSON values (`posthogSnippet({ browser })`). */
export type BrowserInitOptions = Readonly<Record<string, unknown>>;

/**
 * The posthog-js init options this package sets itself, refused in `posthogSnippet({ browser })`,
 * each with the reason (docs/observability.md, "The app's own posthog-js settings").
 */
export const OWNED_BROWSER_OPTIONS: Readonly<Record<string, string>> = Object.freeze({
  api_host: 'the snippet sets it (use the `apiHost` or `firstParty` option)',
  ui_host: 'the snippet sets it (use POSTHOG_UI_HOST)',
  flags_api_host: 'the snippet sends everything to its own api_host',
  token: 'the snippet sets it (POSTHOG_API_KEY)',
  loaded: 'the snippet runs its identity and consent step there',
  bootstrap: 'the snippet bootstraps flags itself (res.locals.posthogFlags)',
  before_send: 'the snippet redacts secrets in URLs there',
  sanitize_properties: 'the snippet redacts secrets in URLs in before_send',
  tracing_headers: "the snippet sets it to the page's own host, for the server's session link",
  persistence: 'persistence follows the consent mode (use POSTHOG_CONSENT)',
  persistence_name: 'the server reads the posthog-js cookie by its default name',
  disable_persistence: 'persistence follows the consent mode (use POSTHOG_CONSENT)',
  cookieless_mode: 'consent is set by POSTHOG_CONSENT (`consent`)',
  opt_out_capturing_by_default: 'consent is set by POSTHOG_CONSENT (`consent`)',
  opt_out_persistence_by_default: 'consent is set by POSTHOG_CONSENT (`consent`)',
  opt_out_capturing_persistence_type: 'the server reads the consent from its cookie',
  opt_out_capturing_cookie_prefix: 'the server reads the consent cookie by its default name',
  consent_persistence_name: 'the server reads the consent cookie by its default name',
  respect_dnt: 'consent is one state, set by POSTHOG_CONSENT and the visitor choice',
});

/**
 * Renders the snippet for one response. `baseUrl`: where the app mounted the middleware
 * (Express's `req.baseUrl`), so the boot tag points at the path the middleware serves.
 */
export type SnippetRenderer = (
  identity: SnippetIdentity,
  nonce?: string,
  baseUrl?: string,
) => Buffer;

/** The snippet of one middleware: the per-page bytes, and the boot script's code to serve. */
export interface Snippet {
  readonly render: SnippetRenderer;
  /** The boot script (`boot` delivery), pure ASCII; `undefined` when inline. */
  readonly bootCode: string | undefined;
  /** Where the page's tag loads the boot script from (`boot` delivery). */
  readonly bootUrl: string | undefined;
}

// The identity's placeholder in the inline snippet: a NUL byte cannot occur in the rendered template.
const IDENTITY = '\u0000identity\u0000';

/** A plain object (JSON's object), not an array. */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The `posthog.init` options (docs/observability.md), fixed for the process: the defaults, the
 * consent mode's settings, then the app's own `browser` options merged over them (an object
 * value merged one level deep, so `session_recording: { … }` keeps the default masking it
 * does not name).
 */
export function initOptions(
  config: PosthogConfig,
  apiHost: string,
  browser: BrowserInitOptions = {},
): Record<string, unknown> {
  const options = defaultInitOptions(config, apiHost);
  for (const [key, value] of Object.entries(browser)) {
    const base = options[key];
    options[key] = isPlainObject(base) && isPlainObject(value) ? { ...base, ...value } : value;
  }
  return options;
}

function defaultInitOptions(config: PosthogConfig, apiHost: string): Record<string, unknown> {
  const options: Record<string, unknown> = {
    api_host: apiHost,
    person_profiles: 'identified_only',
    capture_pageview: true,
    capture_pageleave: true,
    autocapture: false,
    // Set explicitly, so the project's remote setting can neither double nor drop them.
    capture_exceptions: {
      capture_unhandled_errors: true,
      capture_unhandled_rejections: true,
      capture_console_errors: false,
    },
  };
  if (config.uiHostExplicit || apiHost !== config.host) options.ui_host = config.uiHost;
  // Local only: events from headless and automated browsers (end-to-end tests) show up.
  if (sendsToLocalInspector(config)) options.opt_out_useragent_filter = true;
  if (config.replay) {
    const extra = config.replayMaskSelector.trim();
    options.session_recording = {
      maskAllInputs: true,
      maskTextSelector: extra ? `${DEFAULT_MASK_SELECTOR}, ${extra}` : DEFAULT_MASK_SELECTOR,
      recordCrossOriginIframes: false,
    };
  } else {
    options.disable_session_recording = true;
  }
  // One consent state: posthog-js keeps the visitor's choice in its cookie, which the server reads.
  options.opt_out_capturing_persistence_type = 'cookie';
  if (config.consent === 'ask') {
    // Until the visitor accepts: counted cookieless, nothing stored, no replay.
    options.cookieless_mode = 'on_reject';
    options.opt_out_capturing_by_default = true;
  } else if (config.consent === 'cookieless') {
    options.cookieless_mode = 'always';
    delete options.session_recording;
    options.disable_session_recording = true;
  }
  return options;
}

/**
 * Renders `views/_posthog.njk` once, with the process-wide settings, and returns what each
 * page gets: with `boot` delivery, a tag of about a hundred bytes (the identity in its marker
 * attribute) loading the boot script; with `inline`, the whole snippet with the identity in
 * place. Per request only the identity and the CSP nonce vary, and every dynamic value is
 * escaped so the bytes are pure ASCII and inert as text.
 *
 * @param config - an enabled configuration (its `apiKey` is the public project key).
 * @param settings - the loader URL, the `api_host`, the delivery.
 * @example
 * const snippet = createSnippet(config, { src: '/_posthog/array.full.x.js', bootUrl: (h) => `/_posthog/boot.${h}.js` });
 * snippet.render({ state: 'anonymous' }); // <script data-express-posthog='{"state":"anonymous"}' src="/_posthog/boot.….js"></script>
 */
export function createSnippet(config: PosthogConfig, settings: SnippetSettings): Snippet {
  const tags: Record<string, string> = { environment: config.environment };
  if (config.release !== undefined) tags.release = config.release;
  const delivery = settings.delivery ?? 'boot';
  const browser = browserCode(config.logger);
  const values = {
    settings: jsonForScript({
      key: config.apiKey,
      src: settings.src,
      consent: config.consent,
      options: initOptions(config, settings.apiHost ?? config.host, settings.browser),
    }),
    tags: jsonForScript(tags),
    redaction: browser.urlRedaction,
    gate: browser.eventGate,
  };
  // The boot script as minified with the package (docs/snippet-internals.md, "The browser's
  // copy of the redaction"); the inline snippet as the template writes it.
  const minified = delivery === 'boot' ? browser.boot?.[config.consent] : undefined;
  const code =
    minified !== undefined
      ? fillBootScript(minified, values)
      : renderTemplate({
          ...values,
          consent: config.consent,
          identity: delivery === 'boot' ? IDENTITY_FROM_TAG : IDENTITY,
        });
  if (delivery === 'boot') {
    const bootUrl = (settings.bootUrl ?? ((hash) => `/_posthog/boot.${hash}.js`))(
      contentHash(Buffer.from(code, 'latin1')),
    );
    return { render: bootTagRenderer(bootUrl), bootCode: code, bootUrl };
  }
  return { render: inlineRenderer(code), bootCode: undefined, bootUrl: undefined };
}

/** The ` nonce="…"` attribute, or nothing. */
function nonceAttribute(nonce: string | undefined): string {
  return nonce ? ` nonce="${escapeHtml(nonce)}"` : '';
}

/**
 * The renderer with the two tags that are the same on every page rendered once, at start-up:
 * an anonymous visitor's and a withheld identity's (a page a shared cache may store), without
 * a nonce or a mount path. A page that gets one of them costs one comparison and no bytes.
 */
function cachedRenderer(render: SnippetRenderer): SnippetRenderer {
  const anonymous = render(ANONYMOUS);
  const withheld = render(WITHHELD);
  return function renderSnippet(identity, nonce, baseUrl) {
    if (nonce === undefined && !baseUrl) {
      if (identity === ANONYMOUS) return anonymous;
      if (identity === WITHHELD) return withheld;
    }
    return render(identity, nonce, baseUrl);
  };
}

/**
 * The boot tag: `<script data-express-posthog='…' src="…"></script>`. The identity JSON is
 * ASCII already and `jsonForScript` writes `&`, `<` and `>` as `\u` escapes, so in a
 * single-quoted attribute only `'` needs escaping (`escapeHtml` would also turn every `"` of
 * the JSON into `&quot;`, six bytes each on every page); valid in HTML and XML.
 */
function bootTagRenderer(bootUrl: string): SnippetRenderer {
  return cachedRenderer(function renderBootTag(identity, nonce, baseUrl) {
    const value = jsonForScript(identity).replace(/'/g, '&#39;');
    const src = escapeHtml(`${baseUrl ?? ''}${bootUrl}`);
    return Buffer.from(
      `<script ${SNIPPET_MARKER_ATTRIBUTE}='${value}' src="${src}"${nonceAttribute(nonce)}></script>`,
      'latin1',
    );
  });
}

/**
 * The inline snippet: the code in a `<script>` whose CDATA section HTML reads as two
 * comments, so that an XHTML page still parses.
 */
function inlineRenderer(code: string): SnippetRenderer {
  const [head = '', tail = ''] = code.split(IDENTITY);
  return cachedRenderer(function renderInline(identity, nonce) {
    return Buffer.from(
      `<script ${SNIPPET_MARKER_ATTRIBUTE}=""${nonceAttribute(nonce)}>\n/*<![CDATA[*/\n${head}${jsonForScript(identity)}${tail}\n/*]]>*/\n</script>`,
      'latin1',
    );
  });
}
