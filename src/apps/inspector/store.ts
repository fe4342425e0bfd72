import { type InspectedEvent, inspectedEvent, type RawEvent } from './events.js';
import { EventRing } from './ring.js';
import { type EventView, eventView } from './view.js';

/** What the store derives from an event while its properties are parsed anyway. */
interface Derived {
  /** The page's row; `undefined` for a `$snapshot` (the page counts those, never lists them). */
  view: EventView | undefined;
  /** The `user_id` and `user_email` properties, for the user filter. */
  users: string[];
}

const MAX_USER = 500;

/** Which events to list; every field narrows, case-insensitively, by substring. */
export interface EventFilter {
  /** The event name, e.g. `$exception`. */
  readonly event?: string | undefined;
  /** The distinct id, or the `user_id` / `user_email` property. */
  readonly user?: string | undefined;
  /** The `$session_id`. */
  readonly session?: string | undefined;
  /** At most this many, newest first. @default all */
  readonly limit?: number | undefined;
}

/** Counts about the store, for the page and the JSON endpoint. */
export interface StoreStats {
  readonly size: number;
  readonly capacity: number;
  readonly bytes: number;
  readonly maxBytes: number;
  /** Events evicted to keep the bounds, since start or the last clear. */
  readonly dropped: number;
}

const contains = (value: unknown, needle: string): boolean =>
  typeof value === 'string' && value.toLowerCase().includes(needle);

function matches(event: InspectedEvent, users: readonly string[], filter: EventFilter): boolean {
  const name = filter.event?.trim().toLowerCase();
  const user = filter.user?.trim().toLowerCase();
  const session = filter.session?.trim().toLowerCase();
  if (name && !contains(event.event, name)) return false;
  if (user && !contains(event.distinctId, user) && !users.some((value) => contains(value, user))) {
    return false;
  }
  if (session && !contains(event.sessionId, session)) return false;
  return true;
}

/**
 * The inspector's memory: the last events in a ring bounded by count and bytes.
 *
 * @example
 * const store = new InspectorStore({ maxEvents: 1000, maxBytes: 64 * 1024 * 1024 });
 * store.add([{ event: '$pageview', properties: {} }], '/e/');
 * store.list({ event: 'pageview' });
 */
export class InspectorStore {
  readonly #ring: EventRing<InspectedEvent>;
  readonly #maxBytes: number;
  #nextId = 1;
  readonly #listeners = new Set<(events: readonly InspectedEvent[]) => void>();
  readonly #derived = new WeakMap<InspectedEvent, Derived>();

  constructor({ maxEvents, maxBytes }: { maxEvents: number; maxBytes: number }) {
    this.#ring = new EventRing({ maxEvents, maxBytes });
    this.#maxBytes = maxBytes;
  }

  /** Stores raw events from one request body; returns how many. */
  add(events: readonly RawEvent[], endpoint: string): number {
    const receivedAt = new Date();
    // Events the ring would evict before this call returns are never built.
    const skipped = Math.max(0, events.length - this.#ring.capacity);
    this.#ring.countDropped(skipped);
    this.#nextId += skipped;
    const added: InspectedEvent[] = [];
    for (let i = skipped; i < events.length; i += 1) {
      const raw = events[i] as RawEvent;
      const event = inspectedEvent(raw, { id: this.#nextId, endpoint, receivedAt });
      const properties = raw.properties ?? {};
      const users = [properties.user_id, properties.user_email]
        .filter((value): value is string => typeof value === 'string')
        .map((value) => value.slice(0, MAX_USER));
      // The row is built now, from the parsed body; the store keeps the properties as text.
      this.#derived.set(event, {
        view: event.event === '$snapshot' ? undefined : eventView(event, properties),
        users,
      });
      this.#ring.push(event);
      added.push(event);
      this.#nextId += 1;
    }
    for (const listener of this.#listeners) listener(added);
    return events.length;
  }

  /**
   * Calls `listener` with the events of every later {@link add}; returns the unsubscribe.
   *
   * @example
   * const stop = store.subscribe((events) => console.log(events.length));
   */
  subscribe(listener: (events: readonly InspectedEvent[]) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The stored event with this id, if it is still held. */
  get(id: number): InspectedEvent | undefined {
    return this.#ring.newestFirst().find((event) => event.id === id);
  }

  /** The row the page shows for a stored event, built once. */
  viewOf(event: InspectedEvent): EventView {
    const derived = this.#derived.get(event);
    if (derived?.view) return derived.view;
    const view = eventView(event);
    if (derived) derived.view = view;
    return view;
  }

  /** The stored events that match, newest first. */
  list(filter: EventFilter = {}): InspectedEvent[] {
    const all = this.#ring
      .newestFirst()
      .filter((event) => matches(event, this.#derived.get(event)?.users ?? [], filter));
    return filter.limit !== undefined ? all.slice(0, filter.limit) : all;
  }

  /** Forgets every event. */
  clear(): void {
    this.#ring.clear();
  }

  /** Counts: size, capacity, bytes held, evictions. */
  stats(): StoreStats {
    return {
      size: this.#ring.size,
      capacity: this.#ring.capacity,
      bytes: this.#ring.bytes,
      maxBytes: this.#maxBytes,
      dropped: this.#ring.dropped,
    };
  }
}
