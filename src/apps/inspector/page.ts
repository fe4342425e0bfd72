import nunjucks from 'nunjucks';
import type { OptionalPeer } from '../../core/package/peer.js';
import { viewsDir } from '../../core/package/views-dir.js';
import type { InspectorAssets } from './assets.js';
import type { InspectedEvent } from './events.js';
import type { InspectorFlags } from './remote-config.js';
import { type EventView, eventView } from './view.js';

/**
 * Rows the page holds at most; the JSON endpoint has them all.
 *
 * @example
 * events.slice(0, PAGE_ROWS);
 */
export const PAGE_ROWS = 300;

/** What the page's live stream sends first and on every change of the whole list. */
export interface PageState {
  readonly rows: readonly EventView[];
  /** Replay snapshots held, by session id. */
  readonly replays: Readonly<Record<string, number>>;
  readonly flags: InspectorFlags;
  readonly stats: { readonly size: number; readonly capacity: number; readonly dropped: number };
}

/**
 * The rows of a set of events (newest first, `$snapshot` left out: a session's replay is
 * counted and played instead) and the replay counts by session, at most {@link PAGE_ROWS} rows.
 *
 * @example
 * pageRows(store.list()); // { rows: [...], replays: { 'session-1': 4 } }
 */
export function pageRows(
  events: readonly InspectedEvent[],
  viewOf: (event: InspectedEvent) => EventView = eventView,
): {
  rows: EventView[];
  replays: Record<string, number>;
} {
  const rows: EventView[] = [];
  const replays: Record<string, number> = {};
  for (const event of events) {
    if (event.event === '$snapshot') {
      if (event.sessionId) replays[event.sessionId] = (replays[event.sessionId] ?? 0) + 1;
    } else if (rows.length < PAGE_ROWS) rows.push(viewOf(event));
  }
  return { rows, replays };
}

/** What the page shell needs: where it is mounted and the files it loads. */
export interface PageShell {
  /** The inspector's mount path, e.g. `/_inspector`. */
  readonly base: string;
  readonly assets: InspectorAssets;
  /** The optional peers that are not installed, named on the page with their install command. */
  readonly missing?: readonly OptionalPeer[];
}

/**
 * Builds the renderer of the page shell (`views/inspector/events.njk`): no inline
 * script, no inline style, so it runs under a strict CSP; the rows arrive over the live
 * stream and are written with `textContent`, never as markup.
 *
 * @example
 * const render = createPageRenderer();
 * res.end(render({ base: '/_inspector', assets }));
 */
export function createPageRenderer(): (shell: PageShell) => string {
  const env = new nunjucks.Environment(new nunjucks.FileSystemLoader(viewsDir()), {
    autoescape: true,
  });
  return function renderPage({ base, assets, missing = [] }: PageShell): string {
    return env.render('inspector/events.njk', {
      base,
      missing,
      script: `${base}${assets.script}`,
      style: `${base}${assets.style}`,
      playerScript: assets.player ? `${base}${assets.player.script}` : '',
      playerStyle: assets.player ? `${base}${assets.player.style}` : '',
    });
  };
}

/**
 * The Content-Security-Policy of the page: scripts and styles only from the app itself
 * (rrweb's player adds inline styles to the replayed page, so `style-src` allows them).
 *
 * @example
 * res.setHeader('Content-Security-Policy', PAGE_CSP);
 */
export const PAGE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');
