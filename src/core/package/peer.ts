/**
 * Locating the optional peer packages — posthog-js (first-party delivery, the local
 * inspector) and rrweb-player (the inspector's replay) — from the package's own location, as
 * Node resolves them for it (docs/observability.md, "First-party delivery").
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const requireHere = createRequire(import.meta.url);

/** What {@link locatePeer} found: the file's absolute path, or why it is not there. */
export type PeerLocation =
  | { readonly path: string; readonly missing?: undefined }
  | { readonly path?: undefined; readonly missing: string };

/**
 * Resolves a file of a peer package (`posthog-js/dist/array.full.js`, `rrweb-player`).
 * Never throws.
 * @param specifier the package name, or the package name and a file in it.
 * @returns `{ path }`, or `{ missing }` with the first line of Node's resolution error.
 * @example
 * locatePeer('posthog-js/dist/array.full.js'); // { path: '/app/node_modules/posthog-js/dist/array.full.js' }
 */
export function locatePeer(specifier: string): PeerLocation {
  try {
    return { path: requireHere.resolve(specifier) };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { missing: message.split('\n')[0] ?? message };
  }
}

/**
 * The version in the `package.json` of the package named `name`, found above a file `path` of
 * it (a peer's file that {@link locatePeer} gave, or this package's own module), or `unknown`.
 * @example
 * packageVersion('rrweb-player', '/app/node_modules/rrweb-player/dist/index.cjs'); // '2.1.6'
 */
export function packageVersion(name: string, path: string): string {
  let dir = dirname(path);
  for (let i = 0; i < 6; i += 1) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
        name?: unknown;
        version?: unknown;
      };
      if (pkg.name === name) return typeof pkg.version === 'string' ? pkg.version : 'unknown';
    } catch {
      // No package.json here: look one folder up.
    }
    dir = dirname(dir);
  }
  return 'unknown';
}

/** An optional peer dependency, as the inspector's page and the docs name it when missing. */
export interface OptionalPeer {
  readonly name: 'posthog-js' | 'rrweb-player';
  /** What {@link locatePeer} resolves to find it. */
  readonly specifier: string;
  /** The exact command that installs it. */
  readonly install: string;
  /**
   * What it adds to `node_modules`, with the dependencies it brings (measured with
   * `du --apparent-size`, docs/observability.md, "What each part costs").
   */
  readonly size: string;
  /** What needs it, and what happens without it. */
  readonly neededFor: string;
}

/**
 * The optional peers: `posthog-js` (first-party delivery, the inspector's offline bundle and
 * lazy files) and `rrweb-player` (replay playback in the inspector).
 *
 * @example
 * OPTIONAL_PEERS.filter((peer) => locatePeer(peer.name).missing !== undefined);
 */
export const OPTIONAL_PEERS: readonly OptionalPeer[] = Object.freeze([
  {
    name: 'posthog-js',
    specifier: 'posthog-js/dist/array.full.js',
    install: 'npm install posthog-js',
    size: 'about 39 MB',
    neededFor:
      'serving posthog-js from the app (POSTHOG_FIRST_PARTY, POSTHOG_JS_SRC=self) and, here, replay and the page without a network: without it the browser loads posthog-js from the PostHog CDN',
  },
  {
    name: 'rrweb-player',
    specifier: 'rrweb-player',
    install: 'npm install --save-dev rrweb-player',
    size: 'about 25 MB',
    neededFor:
      'playing a recorded session back on this page: without it replays are counted, not played',
  },
]);

/**
 * The optional peers that are not installed.
 *
 * @example
 * missingPeers().map((peer) => peer.install); // ['npm install --save-dev rrweb-player']
 */
export function missingPeers(): OptionalPeer[] {
  return OPTIONAL_PEERS.filter((peer) => locatePeer(peer.specifier).path === undefined);
}
