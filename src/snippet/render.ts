import nunjucks from 'nunjucks';
import type { PosthogConfig } from '../config/types.js';
import { viewsDir } from '../views-dir.js';
import { escapeAttribute, jsonForScript } from './escape.js';
import type { SnippetIdentity } from './identity.js';
import { SNIPPET_MARKER_ATTRIBUTE } from './insertion-point.js';

/** The default replay mask list of SPEC §5; the operator's selector is appended. */
export const DEFAULT_MASK_SELECTOR =
  '[data-sensitive], .data-cell, .query-result, .sql-output, code, pre';

/** What the snippet needs beyond the config. */
export interface SnippetSettings {
  /** URL of the posthog-js loader script (`array.js` on the CDN, or the first-party bundle). */
  readonly src: string;
  /** `api_host` for posthog-js. @default config.host */
  readonly apiHost?: string;
}

/** Renders the snippet for one response; from {@link createSnippetRenderer}. */
export type SnippetRenderer = (identity: SnippetIdentity, nonce?: string) => Buffer;

// Placeholders that cannot occur in the rendered template: they hold a NUL byte.
const NONCE = '\u0000nonce\u0000';
const IDENTITY = '\u0000identity\u0000';

/**
 * Drops indentation, blank lines and whole-line `//` comments from the rendered template:
 * about a tenth of the snippet, sent with every page. Safe for a template written one
 * statement per line with no multi-line strings, as `_posthog.njk` is.
 */
function compact(html: string): string {
  return html
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('//'))
    .join('\n');
}

/** The `posthog.init` options of SPEC §5, fixed for the process. */
export function initOptions(config: PosthogConfig, apiHost: string): Record<string, unknown> {
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
  return options;
}

/**
 * Renders `views/_posthog.njk` once, with the process-wide settings, and returns a
 * function that fills in the two per-request parts: the CSP nonce and the identity.
 * Every dynamic value is escaped so the snippet is pure ASCII and inert as text.
 *
 * @param config - an enabled configuration (its `apiKey` is the public project key).
 * @param settings - the loader URL and the `api_host`.
 */
export function createSnippetRenderer(
  config: PosthogConfig,
  settings: SnippetSettings,
): SnippetRenderer {
  const env = new nunjucks.Environment(new nunjucks.FileSystemLoader(viewsDir()), {
    autoescape: true,
    throwOnUndefined: true,
  });
  const tags: Record<string, string> = { environment: config.environment };
  if (config.release !== undefined) tags.release = config.release;
  const html = env.render('_posthog.njk', {
    marker: SNIPPET_MARKER_ATTRIBUTE,
    nonceAttr: NONCE,
    settings: jsonForScript({
      key: config.apiKey,
      src: settings.src,
      options: initOptions(config, settings.apiHost ?? config.host),
    }),
    tags: jsonForScript(tags),
    identity: IDENTITY,
  });
  const [head = '', rest = ''] = compact(html).split(NONCE);
  const [middle = '', tail = ''] = rest.split(IDENTITY);
  const cache = new Map<SnippetIdentity, Buffer>();

  return function renderSnippet(identity: SnippetIdentity, nonce?: string): Buffer {
    const cacheable = nonce === undefined && !('flags' in identity) && identity.state !== 'user';
    const hit = cacheable ? cache.get(identity) : undefined;
    if (hit) return hit;
    const nonceAttr = nonce ? ` nonce="${escapeAttribute(nonce)}"` : '';
    const bytes = Buffer.from(
      `${head}${nonceAttr}${middle}${jsonForScript(identity)}${tail}`,
      'latin1',
    );
    if (cacheable) cache.set(identity, bytes);
    return bytes;
  };
}
