import { type GenerationView, generationView } from './ai-view.js';
import { boundedJson } from './bounded-json.js';
import type { InspectedEvent } from './events.js';
import { type ExceptionView, exceptionViews } from './stack.js';
import { summarize } from './summary.js';

/** One row of the events page, bounded whatever the event holds. */
export interface EventView {
  readonly id: number;
  readonly event: string;
  readonly source: InspectedEvent['source'];
  readonly distinctId: string | undefined;
  readonly sessionId: string | undefined;
  /** When it happened (the event's own timestamp, else when it arrived), ISO 8601. */
  readonly time: string;
  /** When the inspector received it, ISO 8601. */
  readonly receivedAt: string;
  readonly summary: string;
  /** The page URL or path, when the event has one. */
  readonly url: string | undefined;
  /** For `$exception`: the rendered stack. */
  readonly exceptions?: readonly ExceptionView[];
  /** For `$ai_generation`: model, tokens, latency, costs, messages. */
  readonly generation?: GenerationView;
  /** Size of the event's JSON. */
  readonly bytes: number;
}

/** Characters of a string field of a row at most. */
const MAX_FIELD = 200;
/** Characters of the pretty JSON of one event's properties at most. */
export const MAX_PROPERTIES_CHARS = 64_000;

const cut = (value: string | undefined): string | undefined =>
  value !== undefined && value.length > MAX_FIELD ? `${value.slice(0, MAX_FIELD)}…` : value;

/**
 * The event's own time when it is a valid date, else when it arrived: posthog-node
 * batches events seconds after they happen, so rows sort by this, not by arrival.
 *
 * @example
 * eventTime(event); // '2026-12-01T18:00:00.123Z'
 */
export function eventTime(event: InspectedEvent): string {
  const own = event.timestamp === undefined ? Number.NaN : Date.parse(event.timestamp);
  return Number.isFinite(own) ? new Date(own).toISOString() : event.receivedAt;
}

/**
 * The row the page renders for an event: ids, times, one summary line, and for
 * exceptions and LLM generations their structured parts, every string cut so a row's
 * size, and the page's render time, stay bounded. `p` is the event's properties, when
 * the caller has them parsed already (the store keeps them as JSON text).
 *
 * @example
 * eventView(store.list()[0]).summary; // 'TypeError: boom at /checkout'
 */
export function eventView(
  event: InspectedEvent,
  p: Readonly<Record<string, unknown>> = event.properties,
): EventView {
  const url = typeof p.$current_url === 'string' ? p.$current_url : p.path;
  return {
    id: event.id,
    event: cut(event.event) ?? '',
    source: event.source,
    distinctId: cut(event.distinctId),
    sessionId: cut(event.sessionId),
    time: eventTime(event),
    receivedAt: event.receivedAt,
    summary: summarize(event, p),
    url: typeof url === 'string' ? cut(url) : undefined,
    ...(event.event === '$exception' ? { exceptions: exceptionViews(p.$exception_list) } : {}),
    ...(event.event === '$ai_generation' ? { generation: generationView(p) } : {}),
    bytes: event.bytes,
  };
}

/**
 * The pretty JSON of an event's properties for its detail view, cut at
 * {@link MAX_PROPERTIES_CHARS}; a replay snapshot's rrweb data is left out (the player shows it).
 *
 * @example
 * propertiesJson(event); // '{\n  "$current_url": "http://…"\n}'
 */
export function propertiesJson(event: InspectedEvent): string {
  const properties: Record<string, unknown> = { ...event.properties };
  for (const key of ['$snapshot_data', '$snapshot_items']) {
    if (key in properties) properties[key] = '(replay data: play the session in the page)';
  }
  return boundedJson(properties, MAX_PROPERTIES_CHARS);
}
