import { readFileSync } from 'node:fs';
import { type StaticAsset, staticAsset } from '../core/http/static-asset.js';
import { locatePeer } from '../core/package/peer.js';

const JAVASCRIPT = 'application/javascript; charset=utf-8';

/**
 * Reads `array.full.js` from the installed `posthog-js` package once and names it by its
 * content hash, so it can be cached for a year: a new posthog-js gets a new URL. It is
 * compressed once (gzip now, brotli in the background), never per request.
 *
 * @param prefix - the path it is served under. @default '/_posthog'
 * @returns the asset, or `{ missing }` with Node's reason when `posthog-js` is not installed.
 */
export function loadFirstPartyBundle(
  prefix = '/_posthog',
): StaticAsset | { readonly missing: string } {
  const found = locatePeer('posthog-js/dist/array.full.js');
  if (found.path === undefined) return { missing: found.missing };
  const base = prefix.replace(/\/+$/, '');
  return staticAsset(
    (hash) => `${base}/array.full.${hash}.js`,
    JAVASCRIPT,
    readFileSync(found.path),
  );
}

/** The boot script (the snippet's code, pure ASCII) as an asset at its content-hashed `url`. */
export function bootAsset(url: string, code: string): StaticAsset {
  return staticAsset(() => url, JAVASCRIPT, Buffer.from(code, 'latin1'));
}
