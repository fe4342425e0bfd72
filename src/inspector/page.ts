import nunjucks from 'nunjucks';
import { viewsDir } from '../views-dir.js';
import type { InspectedEvent } from './events.js';
import type { EventFilter, StoreStats } from './store.js';
import { summarize } from './summary.js';

/**
 * Rows rendered on the page at most; the JSON endpoint has them all.
 *
 * @example
 * events.slice(0, PAGE_ROWS);
 */
export const PAGE_ROWS = 300;
/** Characters of an event's properties shown on the page at most. */
const JSON_CHARS = 16_000;

/** What the events page shows. */
export interface EventsPage {
  /** The inspector's mount path, e.g. `/_inspector`. */
  readonly base: string;
  readonly filter: EventFilter;
  /** The matching events, newest first (all of them; the page shows the first rows). */
  readonly events: readonly InspectedEvent[];
  readonly stats: StoreStats;
}

/** The properties as shown: a replay snapshot's rrweb data is summarised, not printed. */
function shownJson(event: InspectedEvent): string {
  const properties: Record<string, unknown> = { ...event.properties };
  for (const key of ['$snapshot_data', '$snapshot_items']) {
    if (key in properties) properties[key] = '(replay data: see the summary, or the JSON endpoint)';
  }
  const json = JSON.stringify(properties, null, 2) ?? '{}';
  return json.length > JSON_CHARS
    ? `${json.slice(0, JSON_CHARS)}\n…[${json.length - JSON_CHARS} more characters in the JSON endpoint]`
    : json;
}

/**
 * Builds the renderer of the events page (`views/inspector/events.njk`), with
 * autoescape on: event names, ids and properties are shown as text, never markup.
 *
 * @example
 * const render = createEventsPageRenderer();
 * res.end(render({ base: '/_inspector', filter: {}, events: store.list(), stats: store.stats() }));
 */
export function createEventsPageRenderer(): (page: EventsPage) => string {
  const env = new nunjucks.Environment(new nunjucks.FileSystemLoader(viewsDir()), {
    autoescape: true,
  });
  return function renderEventsPage({ base, filter, events, stats }: EventsPage): string {
    const query = new URLSearchParams();
    for (const key of ['event', 'user', 'session'] as const) {
      const value = filter[key];
      if (value) query.set(key, value);
    }
    const search = query.toString();
    return env.render('inspector/events.njk', {
      base,
      filter,
      filtered: search !== '',
      jsonUrl: `${base}/api/events${search ? `?${search}` : ''}`,
      stats,
      storedKb: Math.round(stats.bytes / 1024),
      maxKb: Math.round(stats.maxBytes / 1024),
      truncated: events.length > PAGE_ROWS,
      events: events.slice(0, PAGE_ROWS).map((event) => ({
        id: event.id,
        receivedAt: event.receivedAt,
        source: event.source,
        event: event.event,
        distinctId: event.distinctId,
        sessionId: event.sessionId,
        summary: summarize(event),
        json: shownJson(event),
      })),
    });
  };
}
