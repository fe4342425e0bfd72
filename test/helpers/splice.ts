import type { InsertionAnchor } from '../../src/snippet/insertion-point.js';
import {
  createSplicer,
  type PassthroughReason,
  type Splicer,
  type SplicerVerdict,
} from '../../src/snippet/splice.js';

/** A splicer driven as the response adapter drives it: held bytes out once decided, then passthrough. */
export interface StreamDriver {
  readonly state: 'searching' | 'injected' | 'passthrough';
  readonly anchor: InsertionAnchor | undefined;
  readonly reason: PassthroughReason | undefined;
  readonly heldBytes: number;
  readonly splicer: Splicer;
  push(chunk: Buffer): Buffer[];
  flush(): Buffer[];
  end(): Buffer[];
}

/** Drives a fresh splicer with `snippet`, as the middleware does. */
export function streamSplicer(snippet: Buffer, maxBufferBytes: number): StreamDriver {
  const splicer = createSplicer({ maxBufferBytes });
  let taken = false;
  const take = (): Buffer[] => {
    taken = true;
    return splicer.take(snippet);
  };
  const verdict = (): SplicerVerdict => splicer.verdict;
  return {
    get state() {
      const v = verdict();
      if (v.kind === 'searching') return 'searching';
      return v.kind === 'insert' ? 'injected' : 'passthrough';
    },
    get anchor() {
      const v = verdict();
      return v.kind === 'insert' ? v.anchor : undefined;
    },
    get reason() {
      const v = verdict();
      return v.kind === 'passthrough' ? v.reason : undefined;
    },
    get heldBytes() {
      return splicer.heldBytes;
    },
    splicer,
    push(chunk) {
      if (taken) return chunk.length > 0 ? [chunk] : [];
      return splicer.push(chunk) ? take() : [];
    },
    flush() {
      if (taken) return [];
      splicer.flush();
      return take();
    },
    end() {
      if (taken) return [];
      splicer.end();
      return take();
    },
  };
}

/**
 * Inserts `snippet` into a body sent in one go, through the streaming splicer.
 * @returns the new body, or `undefined` when the body is left alone.
 */
export function spliceWhole(
  body: Buffer,
  snippet: Buffer,
  options: { maxBufferBytes?: number } = {},
): Buffer | undefined {
  const driver = streamSplicer(snippet, options.maxBufferBytes ?? Number.POSITIVE_INFINITY);
  const out = driver.push(body);
  out.push(...driver.end());
  return driver.state === 'injected' ? Buffer.concat(out) : undefined;
}

/** `body` cut at the given positions (any order; a position past the end wraps; duplicates give empty chunks). */
export function cut(body: Buffer, positions: readonly number[]): Buffer[] {
  const points = positions.map((p) => p % (body.length + 1)).sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let start = 0;
  for (const point of points) {
    chunks.push(body.subarray(start, point));
    start = point;
  }
  chunks.push(body.subarray(start));
  return chunks;
}
