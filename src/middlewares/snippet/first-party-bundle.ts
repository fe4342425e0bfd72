import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/** The `posthog-js` bundle served first-party (`POSTHOG_JS_SRC=self`). */
export interface FirstPartyBundle {
  /** Root-relative URL with the content hash in it, e.g. `/_posthog/array.full.3f9a1c2b7d.js`. */
  readonly url: string;
  readonly body: Buffer;
  readonly etag: string;
}

/**
 * Reads `array.full.js` from the installed `posthog-js` package once and names it by
 * its content hash, so it can be cached for a year: a new posthog-js gets a new URL.
 *
 * @param prefix - the path it is served under. @default '/_posthog'
 */
export function loadFirstPartyBundle(prefix = '/_posthog'): FirstPartyBundle {
  const require = createRequire(import.meta.url);
  let path: string;
  try {
    path = require.resolve('posthog-js/dist/array.full.js');
  } catch (error) {
    throw new Error(
      `express-posthog: POSTHOG_JS_SRC=self needs the posthog-js package, which could not be found (${String(error)}). Install it with \`npm install posthog-js\`, or use POSTHOG_JS_SRC=cdn.`,
    );
  }
  const body = readFileSync(path);
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 16);
  return { url: `${prefix.replace(/\/+$/, '')}/array.full.${hash}.js`, body, etag: `"${hash}"` };
}
