/**
 * Splices the snippet into an HTML body, streamed or whole (SPEC §4), on bytes only.
 *
 * The splicer holds back chunks only until the insertion point is decided, then releases
 * them with the snippet in place and passes every later chunk through as the same Buffer
 * (zero copy). Its output is byte-identical however the body was chunked, the buffer cap
 * included: the cap counts bytes from the start of the body, not chunks (see
 * {@link SplicerOptions.maxBufferBytes}).
 */

import {
  type InsertionAnchor,
  type InsertionDecision,
  InsertionPointScanner,
} from './insertion-point.js';

/** Options of {@link createSplicer}. */
export interface SplicerOptions {
  /** The bytes to insert, exactly once. */
  readonly snippet: Buffer;
  /**
   * How many bytes from the start of the body may be held while looking for the insertion
   * point. The point must be recognisable within them — the `>` of `<body …>`, or the byte
   * after `</head` — or the body goes out unmodified (reason `buffer-cap`). A body of exactly
   * this many bytes is still searched to its end. A non-negative integer, or `Infinity`.
   */
  readonly maxBufferBytes: number;
}

/**
 * - `searching`: holding bytes until the insertion point is decided;
 * - `injected`: the snippet went out, the rest passes through;
 * - `passthrough`: the body goes out unmodified, for {@link PassthroughReason}.
 */
export type SplicerState = 'searching' | 'injected' | 'passthrough';

/**
 * Why a body was left unmodified:
 * - `no-insertion-point`: it ended with neither `</head>` nor `<body>` (a fragment);
 * - `guard`: it already carries the snippet's marker or a `posthog.init(` call;
 * - `buffer-cap`: no decision within `maxBufferBytes`.
 */
export type PassthroughReason = 'no-insertion-point' | 'guard' | 'buffer-cap';

/** A streaming splicer, from {@link createSplicer}. */
export interface Splicer {
  /** Where the splicer stands; `searching` until a decision. */
  readonly state: SplicerState;
  /** Why the body passes through unmodified; `undefined` unless `state` is `passthrough`. */
  readonly reason: PassthroughReason | undefined;
  /** Where the snippet went; `undefined` unless `state` is `injected`. */
  readonly anchor: InsertionAnchor | undefined;
  /** Bytes currently held back. */
  readonly heldBytes: number;
  /**
   * Takes the body's next chunk.
   * @param chunk held by reference until the decision; do not reuse it.
   * @returns the bytes to write now, in order; empty while searching.
   */
  push(chunk: Buffer): Buffer[];
  /**
   * Ends the body.
   * @returns the bytes still held, to write before ending the response.
   */
  end(): Buffer[];
}

/**
 * Creates a streaming splicer that inserts `snippet` at the insertion point of an HTML body
 * (see `insertion-point.ts` for where that is).
 * @param options the snippet and the buffer cap; validated here.
 * @throws {TypeError} when `snippet` is not a Buffer or `maxBufferBytes` is not a
 * non-negative integer or `Infinity`.
 * @example
 * const splicer = createSplicer({ snippet: Buffer.from('<script></script>'), maxBufferBytes: 4 * 1024 * 1024 });
 * for (const chunk of chunks) for (const out of splicer.push(chunk)) res.write(out);
 * for (const out of splicer.end()) res.write(out);
 */
export function createSplicer(options: SplicerOptions): Splicer {
  const { snippet, maxBufferBytes } = options;
  if (!Buffer.isBuffer(snippet)) {
    throw new TypeError(
      `createSplicer: \`snippet\` must be a Buffer, got ${typeof snippet}. Use Buffer.from(html).`,
    );
  }
  if (!isByteCount(maxBufferBytes)) {
    throw new TypeError(
      `createSplicer: \`maxBufferBytes\` must be a non-negative integer or Infinity, got ${String(maxBufferBytes)}. Use a number of bytes, e.g. 4194304.`,
    );
  }
  return new StreamSplicer(snippet, maxBufferBytes);
}

/** A non-negative integer, or `Infinity`. */
function isByteCount(value: unknown): value is number {
  return (
    typeof value === 'number' &&
    (value === Number.POSITIVE_INFINITY || (Number.isSafeInteger(value) && value >= 0))
  );
}

/** The {@link Splicer} implementation. */
class StreamSplicer implements Splicer {
  state: SplicerState = 'searching';
  reason: PassthroughReason | undefined;
  anchor: InsertionAnchor | undefined;
  heldBytes = 0;
  private held: Buffer[] = [];
  private readonly scanner = new InsertionPointScanner();

  constructor(
    private readonly snippet: Buffer,
    private readonly maxBufferBytes: number,
  ) {}

  push(chunk: Buffer): Buffer[] {
    if (this.state !== 'searching') return chunk.length > 0 ? [chunk] : [];
    if (chunk.length === 0) return [];
    const budget = this.maxBufferBytes - this.scanner.scanned;
    const scanned = budget >= chunk.length ? chunk : chunk.subarray(0, budget);
    this.held.push(chunk);
    this.heldBytes += chunk.length;
    const decision = scanned.length > 0 ? this.scanner.write(scanned) : undefined;
    if (decision !== undefined && decision.kind !== 'pending') return this.settle(decision);
    return scanned.length < chunk.length ? this.release('buffer-cap') : [];
  }

  end(): Buffer[] {
    if (this.state !== 'searching') return [];
    return this.settle(this.scanner.end());
  }

  /** Acts on a final decision. */
  private settle(decision: InsertionDecision): Buffer[] {
    if (decision.kind === 'insert') return this.inject(decision.offset, decision.anchor);
    return this.release(decision.kind === 'guard' ? 'guard' : 'no-insertion-point');
  }

  /** Releases the held chunks with the snippet at absolute `offset`. */
  private inject(offset: number, anchor: InsertionAnchor): Buffer[] {
    const out = spliceChunks(this.held, offset, this.snippet);
    this.forget();
    this.state = 'injected';
    this.anchor = anchor;
    return out;
  }

  /** Releases the held chunks unmodified. */
  private release(reason: PassthroughReason): Buffer[] {
    const out = this.held;
    this.forget();
    this.state = 'passthrough';
    this.reason = reason;
    return out;
  }

  /** Drops the references to the held chunks. */
  private forget(): void {
    this.held = [];
    this.heldBytes = 0;
  }
}

/**
 * `chunks` with `snippet` inserted at byte `offset` of their concatenation, without copying:
 * the chunk that contains the offset is split into two views.
 */
function spliceChunks(chunks: readonly Buffer[], offset: number, snippet: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let start = 0;
  let inserted = false;
  for (const chunk of chunks) {
    const end = start + chunk.length;
    if (inserted || end < offset) {
      out.push(chunk);
    } else {
      const cut = offset - start;
      if (cut > 0) out.push(cut === chunk.length ? chunk : chunk.subarray(0, cut));
      out.push(snippet);
      if (cut < chunk.length) out.push(cut === 0 ? chunk : chunk.subarray(cut));
      inserted = true;
    }
    start = end;
  }
  return out;
}

/** Options of {@link spliceWhole}. */
export interface SpliceWholeOptions {
  /** As {@link SplicerOptions.maxBufferBytes}, so that both paths agree; default `Infinity`. */
  readonly maxBufferBytes?: number;
}

/**
 * Inserts `snippet` into a body sent in one go, with exactly the result the streaming
 * splicer would give.
 * @param body the whole response body.
 * @param snippet the bytes to insert.
 * @param options `maxBufferBytes`, default `Infinity` (the body is in memory already).
 * @returns a new Buffer with the snippet inserted, or `undefined` to leave the body alone.
 * @example
 * spliceWhole(Buffer.from('<head></head>'), Buffer.from('<script></script>'));
 * // <head><script></script></head>
 */
export function spliceWhole(
  body: Buffer,
  snippet: Buffer,
  options: SpliceWholeOptions = {},
): Buffer | undefined {
  const { maxBufferBytes = Number.POSITIVE_INFINITY } = options;
  const splicer = createSplicer({ snippet, maxBufferBytes });
  const out = splicer.push(body);
  out.push(...splicer.end());
  return splicer.state === 'injected'
    ? Buffer.concat(out, body.length + snippet.length)
    : undefined;
}
