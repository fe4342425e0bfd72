import type { IncomingMessage, ServerResponse } from 'node:http';

/** Options of {@link LiveFeed}. */
export interface LiveFeedOptions {
  /** Open event streams at most; one more gets 503. */
  readonly maxClients: number;
  /** A comment line this often keeps proxies and the browser from timing the stream out. */
  readonly heartbeatMs: number;
  /** Bytes queued for one slow client at most; past it that client is dropped (it reconnects). */
  readonly maxQueuedBytes: number;
}

/**
 * The inspector's server-sent events: each open page holds one stream, gets a `reset`
 * with the current rows when it connects and a `rows` message per batch that arrives.
 * Bounded: at most `maxClients` streams, a heartbeat comment every `heartbeatMs`, and a
 * client that stops reading is disconnected once `maxQueuedBytes` wait for it
 * (`EventSource` reconnects and gets a fresh `reset`).
 *
 * @example
 * const feed = new LiveFeed({ maxClients: 8, heartbeatMs: 15_000, maxQueuedBytes: 4 << 20 });
 * feed.open(req, res, () => ({ rows: [] }));
 * feed.send('rows', { rows: [view] });
 */
export class LiveFeed {
  readonly #clients = new Set<ServerResponse>();
  readonly #options: LiveFeedOptions;
  #heartbeat: NodeJS.Timeout | undefined;

  constructor(options: LiveFeedOptions) {
    this.#options = options;
  }

  /** How many streams are open. */
  get size(): number {
    return this.#clients.size;
  }

  /** Answers an `EventSource` request: 503 past the bound, else a stream starting with `reset`. */
  open(req: IncomingMessage, res: ServerResponse, initial: () => unknown): void {
    if (this.#clients.size >= this.#options.maxClients) {
      res.statusCode = 503;
      res.setHeader('Content-Type', 'text/plain; charset=utf-8');
      res.setHeader('Retry-After', '5');
      res.end(
        `posthogInspector: ${this.#options.maxClients} inspector pages are already open; close one, or raise maxLiveClients.\n`,
      );
      return;
    }
    res.statusCode = 200;
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    // no-transform: compression and the snippet leave the stream alone.
    res.setHeader('Cache-Control', 'no-store, no-transform');
    res.setHeader('X-Accel-Buffering', 'no');
    res.flushHeaders();
    req.socket.setNoDelay(true);
    res.write('retry: 2000\n\n');
    this.#clients.add(res);
    const close = () => {
      this.#clients.delete(res);
      if (this.#clients.size === 0) this.#stopHeartbeat();
    };
    req.on('close', close);
    res.on('close', close);
    this.#write(res, frame('reset', initial()));
    this.#startHeartbeat();
  }

  /** Sends one message to every open stream. */
  send(type: string, data: unknown): void {
    if (this.#clients.size === 0) return;
    const text = frame(type, data);
    for (const res of this.#clients) this.#write(res, text);
  }

  /** Ends every stream (the server is stopping). */
  close(): void {
    for (const res of this.#clients) res.end();
    this.#clients.clear();
    this.#stopHeartbeat();
  }

  #write(res: ServerResponse, text: string): void {
    if (res.writableLength > this.#options.maxQueuedBytes) {
      this.#clients.delete(res);
      res.destroy();
      return;
    }
    res.write(text);
  }

  #startHeartbeat(): void {
    if (this.#heartbeat) return;
    this.#heartbeat = setInterval(() => {
      for (const res of this.#clients) this.#write(res, ': heartbeat\n\n');
    }, this.#options.heartbeatMs);
    this.#heartbeat.unref();
  }

  #stopHeartbeat(): void {
    clearInterval(this.#heartbeat);
    this.#heartbeat = undefined;
  }
}

/** One SSE message; the JSON has no raw newlines, so it fits one `data:` line. */
function frame(type: string, data: unknown): string {
  return `event: ${type}\ndata: ${JSON.stringify(data)}\n\n`;
}
