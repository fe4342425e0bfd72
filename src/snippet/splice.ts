/**
 * Holds the start of an HTML body, streamed or whole, until the snippet's insertion point is
 * decided, then gives the held bytes back with the snippet in place (docs/observability.md,
 * "Streaming"). Bytes only: the decision is the same however the body was chunked, the buffer
 * cap included (it counts bytes from the start of the body, not chunks).
 *
 * The snippet itself is given only when the held bytes are taken, because which snippet a
 * response gets (with or without the user's identity) depends on its final headers, known
 * only when the headers leave.
 */

import {
  type InsertionAnchor,
  type InsertionDecision,
  InsertionPointScanner,
} from './insertion-point.js';

/** Options of {@link createSplicer}. */
export interface SplicerOptions {
  /**
   * How many bytes from the start of the body may be held while looking for the insertion
   * point. The point must be recognisable within them, or the body goes out unmodified
   * (reason `buffer-cap`). A body of exactly this many bytes is still searched to its end.
   * A non-negative integer, or `Infinity`.
   */
  readonly maxBufferBytes: number;
}

/**
 * Why a body is left unmodified:
 * - `no-insertion-point`: it ended with no place for the snippet (a fragment);
 * - `guard`: it already carries the snippet's marker or a `posthog.init(` call;
 * - `utf-16`: it starts with a UTF-16 byte-order mark;
 * - `buffer-cap`: no decision within `maxBufferBytes`;
 * - `flush`: the app flushed (or paused longer than `holdMs`) at a place where a script cannot go.
 */
export type PassthroughReason = 'no-insertion-point' | 'guard' | 'utf-16' | 'buffer-cap' | 'flush';

/** Where a splicer stands: still holding, or decided (insert, or leave alone and why). */
export type SplicerVerdict =
  | { readonly kind: 'searching' }
  | { readonly kind: 'insert'; readonly offset: number; readonly anchor: InsertionAnchor }
  | { readonly kind: 'passthrough'; readonly reason: PassthroughReason };

/** A streaming splicer, from {@link createSplicer}. */
export interface Splicer {
  /** `searching` until the insertion point is decided. */
  readonly verdict: SplicerVerdict;
  /** Bytes currently held back. */
  readonly heldBytes: number;
  /**
   * Takes the body's next chunk while searching.
   * @param chunk held by reference until taken; do not reuse it.
   * @returns true once the verdict is decided.
   */
  push(chunk: Buffer): boolean;
  /** The body ended: decides the verdict. */
  end(): void;
  /** The app flushed: decides the verdict at the current position. */
  flush(): void;
  /**
   * Gives back the held bytes, in order, with `snippet` at the insertion point when the
   * verdict is `insert` and a snippet is given; the splicer holds nothing afterwards.
   */
  take(snippet: Buffer | undefined): Buffer[];
}

const SEARCHING: SplicerVerdict = Object.freeze({ kind: 'searching' });

/**
 * Creates a streaming splicer for an HTML body (see `insertion-point.ts` for where the snippet
 * goes).
 * @param options the buffer cap; validated here.
 * @throws {TypeError} when `maxBufferBytes` is not a non-negative integer or `Infinity`.
 * @example
 * const splicer = createSplicer({ maxBufferBytes: 4 * 1024 * 1024 });
 * for (const chunk of chunks) if (splicer.push(chunk)) break;
 * splicer.end();
 * const out = splicer.take(Buffer.from('<script></script>'));
 */
export function createSplicer(options: SplicerOptions): Splicer {
  const { maxBufferBytes } = options;
  if (!isByteCount(maxBufferBytes)) {
    throw new TypeError(
      `createSplicer: \`maxBufferBytes\` must be a non-negative integer or Infinity, got ${String(maxBufferBytes)}. Use a number of bytes, e.g. 4194304.`,
    );
  }
  return new StreamSplicer(maxBufferBytes);
}

/** A non-negative integer, or `Infinity`. */
function isByteCount(value: unknown): value is number {
  return (
    typeof value === 'number' &&
    (value === Number.POSITIVE_INFINITY || (Number.isSafeInteger(value) && value >= 0))
  );
}

/** The passthrough reason of a final scanner decision that is not an insertion. */
function reasonOf(decision: InsertionDecision): PassthroughReason {
  if (decision.kind === 'guard') return 'guard';
  if (decision.kind === 'utf-16') return 'utf-16';
  return 'no-insertion-point';
}

/** The {@link Splicer} implementation. */
class StreamSplicer implements Splicer {
  verdict: SplicerVerdict = SEARCHING;
  heldBytes = 0;
  private held: Buffer[] = [];
  private readonly scanner = new InsertionPointScanner();

  constructor(private readonly maxBufferBytes: number) {}

  push(chunk: Buffer): boolean {
    if (this.verdict.kind !== 'searching') return true;
    if (chunk.length === 0) return false;
    const budget = this.maxBufferBytes - this.scanner.scanned;
    const scanned = budget >= chunk.length ? chunk : chunk.subarray(0, budget);
    this.held.push(chunk);
    this.heldBytes += chunk.length;
    const decision = scanned.length > 0 ? this.scanner.write(scanned) : undefined;
    if (decision !== undefined && decision.kind !== 'pending') this.record(decision);
    else if (scanned.length < chunk.length)
      this.verdict = { kind: 'passthrough', reason: 'buffer-cap' };
    return this.verdict.kind !== 'searching';
  }

  end(): void {
    if (this.verdict.kind === 'searching') this.record(this.scanner.end());
  }

  flush(): void {
    if (this.verdict.kind !== 'searching') return;
    const decision = this.scanner.decideAtFlush();
    if (decision.kind === 'insert') this.record(decision);
    else this.verdict = { kind: 'passthrough', reason: 'flush' };
  }

  take(snippet: Buffer | undefined): Buffer[] {
    const held = this.held;
    this.held = [];
    this.heldBytes = 0;
    const verdict = this.verdict;
    if (verdict.kind !== 'insert' || snippet === undefined) return held;
    return spliceChunks(held, verdict.offset, snippet);
  }

  /** Records a final scanner decision. */
  private record(decision: InsertionDecision): void {
    this.verdict =
      decision.kind === 'insert'
        ? { kind: 'insert', offset: decision.offset, anchor: decision.anchor }
        : { kind: 'passthrough', reason: reasonOf(decision) };
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
