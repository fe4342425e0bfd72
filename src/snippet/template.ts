/**
 * The snippet's code, rendered from `views/_posthog.njk`: the one place that knows the
 * template's values. `render.ts` renders it per middleware; `browser-code.ts` renders the boot
 * script of each consent mode once, with slots for the values, to minify it.
 */
import nunjucks from 'nunjucks';
import type { ConsentMode } from '../core/config/types.js';
import { viewsDir } from '../core/package/views-dir.js';
import { SNIPPET_MARKER_ATTRIBUTE } from './insertion-point.js';

/** What `views/_posthog.njk` is rendered with: code, inserted as it is. */
export interface TemplateValues {
  /** The init settings, as ASCII-only JSON (or a slot). */
  readonly settings: string;
  /** The super properties, as ASCII-only JSON (or a slot). */
  readonly tags: string;
  /** The consent mode: the code of the other modes is left out. */
  readonly consent: ConsentMode;
  /** The expression that gives the identity. */
  readonly identity: string;
  /** The URL redaction, a function expression (or a slot). */
  readonly redaction: string;
  /** The event gate, a function expression (or a slot). */
  readonly gate: string;
}

/** The boot script reads the identity from its own tag's marker attribute. */
export const IDENTITY_FROM_TAG = `JSON.parse(me && me.getAttribute('${SNIPPET_MARKER_ATTRIBUTE}') || '{"state":"withheld"}')`;

/**
 * Drops indentation, blank lines and whole-line `//` comments from code written one statement
 * per line with no multi-line strings, as `_posthog.njk` is: about a tenth of the snippet,
 * sent with every page.
 *
 * @example
 * compactLines('  a();\n\n  // why\n  b();'); // 'a();\nb();'
 */
export function compactLines(html: string): string {
  return html
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('//'))
    .join('\n');
}

/**
 * The snippet's code: `views/_posthog.njk` rendered with `values`, indentation and comment
 * lines dropped.
 *
 * @param values - the template's values, each inserted as it is (already code or JSON).
 * @example
 * renderTemplate({ settings: '{…}', tags: '{}', consent: 'granted', identity: IDENTITY_FROM_TAG, redaction, gate });
 */
export function renderTemplate(values: TemplateValues): string {
  const env = new nunjucks.Environment(new nunjucks.FileSystemLoader(viewsDir()), {
    autoescape: true,
    throwOnUndefined: true,
  });
  return compactLines(env.render('_posthog.njk', { ...values }));
}
