import { MARKER } from './requests.js';

/**
 * A posthog-js bundle URL in a page or a script: root-relative (`/…/array.full.<hash>.js`,
 * the inline snippet) or relative to the boot script (`array.full.<hash>.js`).
 */
const BUNDLE_URL = /["']((?:\/[^"'\s]*)?array\.full[^"'\s]*\.js)["']/;

/**
 * The `src` of the package's own `<script … src>` tag in a page (the boot tag): the one
 * carrying the marker, else a same-origin script whose path names `boot`.
 */
export function bootSrc(page: string): string | undefined {
  let named: string | undefined;
  for (const match of page.matchAll(/<script\b[^>]*>/g)) {
    const tag = match[0];
    const src = /\ssrc="([^"]+)"/.exec(tag)?.[1];
    if (!src) continue;
    if (tag.includes(MARKER)) return src;
    if (named === undefined && src.startsWith('/') && /boot/i.test(src)) named = src;
  }
  return named;
}

/**
 * The URL of the bundle the package serves, found where the browser finds it: in the page
 * (inline delivery), else in the boot script the page loads. `get` fetches a path as text.
 */
export async function findBundleUrl(
  page: string,
  get: (path: string) => Promise<string>,
): Promise<string> {
  const inPage = BUNDLE_URL.exec(page)?.[1];
  if (inPage) return inPage;
  const boot = bootSrc(page);
  const inBoot = boot ? BUNDLE_URL.exec(await get(boot))?.[1] : undefined;
  // The boot script names the bundle beside it.
  if (inBoot && boot) return inBoot.startsWith('/') ? inBoot : boot.replace(/[^/]*$/, inBoot);
  throw new Error(
    `no posthog-js bundle URL in the page${boot ? ` or its boot script ${boot}` : ''}: is jsSrc 'self' set?`,
  );
}
