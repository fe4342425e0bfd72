import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, join } from 'node:path';
import { type StaticAsset, serveAsset, staticAsset } from '../../core/http/static-asset.js';
import { locatePeer, packageVersion } from '../../core/package/peer.js';
import { viewsDir } from '../../core/package/views-dir.js';

/** The page's own script and style and rrweb-player's, by the path the page links. */
export interface InspectorAssets {
  readonly script: string;
  readonly style: string;
  /** `undefined` when rrweb-player is not installed: the page then says how to get it. */
  readonly player: { readonly script: string; readonly style: string } | undefined;
  /** Serves `path` (relative to the inspector) when it is one of these; false otherwise. */
  serve(path: string, req: IncomingMessage, res: ServerResponse): boolean;
}

const JAVASCRIPT = 'application/javascript; charset=utf-8';
const CSS = 'text/css; charset=utf-8';

/** rrweb-player's dist folder and version, from node_modules, or `undefined`. */
function rrwebPlayerDist(): { dir: string; version: string } | undefined {
  const found = locatePeer('rrweb-player');
  if (found.path === undefined) return undefined;
  return { dir: dirname(found.path), version: packageVersion('rrweb-player', found.path) };
}

/**
 * Loads the page's assets: `views/inspector/inspector.js` and `.css` at content-hashed
 * paths, and rrweb-player's UMD build and stylesheet from node_modules at a versioned
 * path (`vendor/rrweb-player@2.1.6/…`), all first-party, served as the snippet serves its
 * own files (`serveAsset`: precompressed, immutable, 304 for a held ETag).
 *
 * @example
 * const assets = loadInspectorAssets();
 * assets.serve('/assets/inspector.1a2b3c4d5e6f7a8b.js', req, res); // true
 */
export function loadInspectorAssets(): InspectorAssets {
  const files = new Map<string, StaticAsset>();
  const add = (asset: StaticAsset): string => {
    files.set(asset.url, asset);
    return asset.url;
  };
  const own = (name: string, ext: string, type: string) =>
    add(
      staticAsset(
        (hash) => `/assets/${name}.${hash}.${ext}`,
        type,
        readFileSync(join(viewsDir(), 'inspector', `${name}.${ext}`)),
      ),
    );
  const script = own('inspector', 'js', JAVASCRIPT);
  const style = own('inspector', 'css', CSS);
  const dist = rrwebPlayerDist();
  let player: InspectorAssets['player'];
  if (dist) {
    try {
      const base = `/vendor/rrweb-player@${dist.version}`;
      const playerScript = readFileSync(join(dist.dir, 'rrweb-player.umd.min.cjs'));
      const playerStyle = readFileSync(join(dist.dir, 'style.min.css'));
      player = {
        script: add(staticAsset(() => `${base}/rrweb-player.umd.min.js`, JAVASCRIPT, playerScript)),
        style: add(staticAsset(() => `${base}/style.min.css`, CSS, playerStyle)),
      };
    } catch {
      player = undefined;
    }
  }
  return {
    script,
    style,
    player,
    serve(path, req, res) {
      const asset = files.get(path);
      if (!asset) return false;
      res.setHeader('X-Content-Type-Options', 'nosniff');
      serveAsset(req, res, asset);
      return true;
    },
  };
}
