import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { dirname, join } from 'node:path';
import { locatePeer, peerVersion } from '../../core/package/peer.js';
import { viewsDir } from '../../core/package/views-dir.js';

/** A file the page loads, read once, served from a path that changes with its content. */
interface Asset {
  readonly path: string;
  readonly type: string;
  readonly body: Buffer;
}

/** The page's own script and style and rrweb-player's, by the path the page links. */
export interface InspectorAssets {
  readonly script: string;
  readonly style: string;
  /** `undefined` when rrweb-player is not installed: the page then says how to get it. */
  readonly player: { readonly script: string; readonly style: string } | undefined;
  /** Serves `path` (relative to the inspector) when it is one of these; false otherwise. */
  serve(path: string, res: ServerResponse): boolean;
}

const short = (body: Buffer) => createHash('sha256').update(body).digest('hex').slice(0, 12);

/** rrweb-player's dist folder and version, from node_modules, or `undefined`. */
function rrwebPlayerDist(): { dir: string; version: string } | undefined {
  const found = locatePeer('rrweb-player');
  if (found.path === undefined) return undefined;
  return { dir: dirname(found.path), version: peerVersion('rrweb-player', found.path) };
}

/**
 * Loads the page's assets: `views/inspector/inspector.js` and `.css` at content-hashed
 * paths, and rrweb-player's UMD build and stylesheet from node_modules at a versioned
 * path (`vendor/rrweb-player@2.1.6/…`), all first-party, cached as immutable.
 *
 * @example
 * const assets = loadInspectorAssets();
 * assets.serve('/assets/inspector.1a2b3c4d5e6f.js', res); // true
 */
export function loadInspectorAssets(): InspectorAssets {
  const files = new Map<string, Asset>();
  const add = (path: string, type: string, body: Buffer) => {
    files.set(path, { path, type, body });
    return path;
  };
  const own = (name: string, ext: string, type: string) => {
    const body = readFileSync(join(viewsDir(), 'inspector', `${name}.${ext}`));
    return add(`/assets/${name}.${short(body)}.${ext}`, type, body);
  };
  const script = own('inspector', 'js', 'application/javascript; charset=utf-8');
  const style = own('inspector', 'css', 'text/css; charset=utf-8');
  const dist = rrwebPlayerDist();
  let player: InspectorAssets['player'];
  if (dist) {
    try {
      const base = `/vendor/rrweb-player@${dist.version}`;
      player = {
        script: add(
          `${base}/rrweb-player.umd.min.js`,
          'application/javascript; charset=utf-8',
          readFileSync(join(dist.dir, 'rrweb-player.umd.min.cjs')),
        ),
        style: add(
          `${base}/style.min.css`,
          'text/css; charset=utf-8',
          readFileSync(join(dist.dir, 'style.min.css')),
        ),
      };
    } catch {
      player = undefined;
    }
  }
  return {
    script,
    style,
    player,
    serve(path, res) {
      const asset = files.get(path);
      if (!asset) return false;
      res.statusCode = 200;
      res.setHeader('Content-Type', asset.type);
      res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
      res.setHeader('X-Content-Type-Options', 'nosniff');
      res.setHeader('Content-Length', asset.body.length);
      res.end(asset.body);
      return true;
    },
  };
}
