/**
 * A bounded ring of events: the newest `maxEvents` that together weigh at most
 * `maxBytes`. A fixed-size array with a head index; pushing past either bound
 * overwrites or drops the oldest, never shifts the array.
 */
export interface RingOptions {
  /** How many items it keeps at most. */
  readonly maxEvents: number;
  /** Their total weight (bytes) at most; one item heavier than this is kept alone. */
  readonly maxBytes: number;
}

/** What the ring holds: anything that knows its weight. */
export interface Weighed {
  readonly bytes: number;
}

/**
 * The ring buffer behind the inspector's event store.
 *
 * @example
 * const ring = new EventRing<{ bytes: number }>({ maxEvents: 2, maxBytes: 1024 });
 * ring.push({ bytes: 10 });
 * ring.newestFirst(); // [{ bytes: 10 }]
 */
export class EventRing<T extends Weighed> {
  readonly #slots: (T | undefined)[];
  readonly #maxBytes: number;
  /** Index of the oldest item. */
  #tail = 0;
  #size = 0;
  #bytes = 0;
  #dropped = 0;

  constructor({ maxEvents, maxBytes }: RingOptions) {
    this.#slots = new Array<T | undefined>(maxEvents).fill(undefined);
    this.#maxBytes = maxBytes;
  }

  /** How many items it can hold. */
  get capacity(): number {
    return this.#slots.length;
  }

  /** How many items it holds now. */
  get size(): number {
    return this.#size;
  }

  /** Their total weight. */
  get bytes(): number {
    return this.#bytes;
  }

  /** How many items were evicted (or refused) since it was created or cleared. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Adds an item, evicting the oldest until both bounds hold. */
  push(item: T): void {
    while (
      this.#size > 0 &&
      (this.#size === this.capacity || this.#bytes + item.bytes > this.#maxBytes)
    ) {
      this.#evictOldest();
    }
    const head = (this.#tail + this.#size) % this.capacity;
    this.#slots[head] = item;
    this.#size += 1;
    this.#bytes += item.bytes;
  }

  /** The items, newest first. */
  newestFirst(): T[] {
    const items: T[] = [];
    for (let i = this.#size - 1; i >= 0; i -= 1) {
      const item = this.#slots[(this.#tail + i) % this.capacity];
      if (item) items.push(item);
    }
    return items;
  }

  /** Counts `count` items as dropped that were never pushed (a batch larger than the ring). */
  countDropped(count: number): void {
    this.#dropped += count;
  }

  /** Empties it. */
  clear(): void {
    this.#slots.fill(undefined);
    this.#tail = 0;
    this.#size = 0;
    this.#bytes = 0;
    this.#dropped = 0;
  }

  #evictOldest(): void {
    const oldest = this.#slots[this.#tail];
    this.#slots[this.#tail] = undefined;
    this.#tail = (this.#tail + 1) % this.capacity;
    this.#size -= 1;
    this.#bytes -= oldest?.bytes ?? 0;
    this.#dropped += 1;
  }
}
