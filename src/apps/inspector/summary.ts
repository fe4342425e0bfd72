import { formatSeconds } from './ai-view.js';
import type { InspectedEvent } from './events.js';

/** rrweb's event types, by number, as replay snapshots carry them. */
const RRWEB_TYPES: Readonly<Record<number, string>> = {
  0: 'DOM loaded',
  1: 'load',
  2: 'full snapshot',
  3: 'incremental',
  4: 'meta',
  5: 'custom',
  6: 'plugin',
};

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function kilobytes(bytes: number): string {
  return bytes < 1024 ? `${bytes} B` : `${(bytes / 1024).toFixed(1)} KB`;
}

/**
 * The rrweb events a `$snapshot` carries (`$snapshot_data`, or `$snapshot_items`).
 *
 * @example
 * snapshotItems({ $snapshot_data: [{ type: 2 }] }); // [{ type: 2 }]
 */
export function snapshotItems(properties: Readonly<Record<string, unknown>>): unknown[] {
  const data = properties.$snapshot_data ?? properties.$snapshot_items;
  if (Array.isArray(data)) return data;
  return isRecord(data) ? [data] : [];
}

function replaySummary(
  event: InspectedEvent,
  properties: Readonly<Record<string, unknown>>,
): string {
  const counts = new Map<string, number>();
  const items = snapshotItems(properties);
  for (const item of items) {
    const type = isRecord(item) && typeof item.type === 'number' ? item.type : -1;
    const name = RRWEB_TYPES[type] ?? 'other';
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  const parts = [...counts].map(([name, count]) => `${count} ${name}`);
  return `replay: ${items.length} rrweb event${items.length === 1 ? '' : 's'} (${parts.join(', ') || 'none'}), ${kilobytes(event.bytes)}`;
}

/** The start of a value as text: a 5 MB message is not copied whole to show 300 characters. */
const cutText = (value: unknown): string => {
  const text = typeof value === 'string' ? value : String(value);
  return text.length > 300 ? text.slice(0, 300) : text;
};

function exceptionSummary(properties: Readonly<Record<string, unknown>>): string {
  const list = properties.$exception_list;
  const first = Array.isArray(list) && isRecord(list[0]) ? list[0] : undefined;
  const type = first?.type ?? properties.$exception_type ?? 'Error';
  const message = first?.value ?? properties.$exception_message ?? '';
  const where = typeof properties.path === 'string' ? ` at ${properties.path}` : '';
  return `${cutText(type)}: ${cutText(message)}${where.length > 300 ? where.slice(0, 300) : where}`;
}

/**
 * One human line about an event, for the events page: the page for a pageview,
 * the error for an exception, the model for an LLM call, and for a replay
 * snapshot its rrweb event counts and size (the snapshot itself stays in the JSON).
 *
 * @example
 * summarize(pageviewEvent); // "http://127.0.0.1:3000/errors"
 */
export function summarize(
  event: InspectedEvent,
  properties: Readonly<Record<string, unknown>> = event.properties,
): string {
  const line = summaryLine(event, properties);
  return line.length > MAX_SUMMARY ? `${line.slice(0, MAX_SUMMARY)}…` : line;
}

/** Characters of a summary at most. */
const MAX_SUMMARY = 300;

function summaryLine(event: InspectedEvent, p: Readonly<Record<string, unknown>>): string {
  switch (event.event) {
    case '$snapshot':
      return replaySummary(event, p);
    case '$pageview':
    case '$pageleave':
      return String(p.$current_url ?? p.$pathname ?? '');
    case '$exception':
      return exceptionSummary(p);
    case '$identify':
      return `identified as ${event.distinctId ?? '?'}${p.$anon_distinct_id ? ` (was ${String(p.$anon_distinct_id)})` : ''}`;
    case '$ai_generation': {
      const status = p.$ai_is_error ? ' failed' : '';
      const latency = typeof p.$ai_latency === 'number' ? formatSeconds(p.$ai_latency) : '? s';
      return `${String(p.$ai_provider ?? '?')} ${String(p.$ai_model ?? '?')}${status}, ${latency}`;
    }
    default:
      return kilobytes(event.bytes);
  }
}
