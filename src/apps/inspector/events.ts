/** One event as the inspector keeps it. */
export interface InspectedEvent {
  /** Increasing number, unique for the process. */
  readonly id: number;
  /** When the inspector received it (ISO 8601). */
  readonly receivedAt: string;
  /** The capture path it arrived on, relative to the inspector: `/batch/`, `/e/`, `/s/`… */
  readonly endpoint: string;
  /** `browser` (posthog-js), `server` (posthog-node), or `other`. */
  readonly source: 'browser' | 'server' | 'other';
  readonly event: string;
  readonly distinctId: string | undefined;
  readonly sessionId: string | undefined;
  /** The event's own timestamp, when it has one. */
  readonly timestamp: string | undefined;
  /**
   * Every property, as sent. The store keeps them as JSON text (one string, cheap for the
   * garbage collector however many objects it holds), so each read parses a fresh copy.
   */
  readonly properties: Readonly<Record<string, unknown>>;
  /** The size of the event's properties as JSON, which the store's byte bound counts. */
  readonly bytes: number;
}

/** A raw event from a body: at least a name; the rest as the SDK sent it. */
export interface RawEvent {
  event: string;
  properties?: Record<string, unknown>;
  distinct_id?: unknown;
  timestamp?: unknown;
  [key: string]: unknown;
}

/** Bytes counted per event on top of its properties' JSON: its own fields. */
const EVENT_OVERHEAD = 256;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function isRawEvent(value: unknown): value is RawEvent {
  return (
    isRecord(value) &&
    typeof value.event === 'string' &&
    value.event !== '' &&
    (value.properties === undefined || isRecord(value.properties))
  );
}

/**
 * The events in a decoded capture body — a single event, an array of them, or
 * `{ batch: [...] }` — or `undefined` when the body is not one of those shapes, or
 * any element is not an event (then nothing of it is stored).
 *
 * @example
 * eventsOfBody({ batch: [{ event: '$pageview', properties: {} }] }); // one event
 * eventsOfBody({ hello: 'world' }); // undefined
 */
export function eventsOfBody(body: unknown): RawEvent[] | undefined {
  let list: unknown[];
  if (Array.isArray(body)) list = body;
  else if (isRecord(body) && Array.isArray(body.batch)) list = body.batch;
  else if (isRecord(body) && typeof body.event === 'string') list = [body];
  else return undefined;
  if (list.length === 0 || !list.every(isRawEvent)) return undefined;
  return list as RawEvent[];
}

const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== ''
    ? value
    : typeof value === 'number'
      ? String(value)
      : undefined;

function sourceOf(properties: Record<string, unknown>): InspectedEvent['source'] {
  const lib = String(properties.$lib ?? '');
  if (lib === 'web' || lib.startsWith('posthog-js')) return 'browser';
  if (lib.startsWith('posthog-node')) return 'server';
  return 'other';
}

/**
 * Normalises a raw event for storage: the distinct id from the event or its
 * properties (posthog-js sends it inside them), the session id, the source; the
 * properties kept as JSON text, parsed again on each read.
 *
 * @example
 * inspectedEvent({ event: 'x', distinct_id: 'u1', properties: {} }, { id: 1, endpoint: '/e/', receivedAt: new Date() });
 */
export function inspectedEvent(
  raw: RawEvent,
  { id, endpoint, receivedAt }: { id: number; endpoint: string; receivedAt: Date },
): InspectedEvent {
  const properties = raw.properties ?? {};
  const json = JSON.stringify(properties);
  const event = {
    id,
    receivedAt: receivedAt.toISOString(),
    endpoint,
    source: sourceOf(properties),
    event: raw.event,
    distinctId: text(raw.distinct_id) ?? text(properties.distinct_id),
    sessionId: text(properties.$session_id),
    timestamp: text(raw.timestamp),
  } as InspectedEvent;
  Object.defineProperty(event, 'properties', {
    enumerable: true,
    get: () => JSON.parse(json) as Record<string, unknown>,
  });
  Object.defineProperty(event, 'bytes', {
    enumerable: true,
    value: Buffer.byteLength(json) + Buffer.byteLength(raw.event) + EVENT_OVERHEAD,
  });
  return Object.freeze(event);
}
