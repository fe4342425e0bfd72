/**
 * Finds `posthog.init(` in the text of a page's own scripts, including one split across
 * chunks: a page that initialises posthog-js itself is left alone. Only script text counts,
 * so the same words in a title, an attribute or body text leave the snippet on.
 */

import { asBuffer } from './bytes.js';

/** The call that marks a page as already carrying posthog-js. */
export const POSTHOG_INIT_CALL = 'posthog.init(';

const NEEDLE = Buffer.from(POSTHOG_INIT_CALL, 'latin1');
const SEAM = NEEDLE.length - 1;
const NO_BYTES = Buffer.alloc(0);

/** Searches script text for {@link POSTHOG_INIT_CALL}, one range of a chunk at a time. */
export class ScriptGuard {
  /** True once the call was found. */
  found = false;
  private tail: Buffer = NO_BYTES;

  /** A new script element starts: text of the last one cannot join its text. */
  begin(): void {
    this.tail = NO_BYTES;
  }

  /** Scans `chunk[from, to)`, which continues the script text scanned before. */
  scan(chunk: Uint8Array, from: number, to: number): void {
    if (this.found || to <= from) return;
    const bytes = asBuffer(chunk).subarray(from, to);
    if (this.tail.length > 0) {
      const window = Buffer.concat([this.tail, bytes.subarray(0, SEAM)]);
      if (window.indexOf(NEEDLE) !== -1) {
        this.found = true;
        return;
      }
    }
    if (bytes.indexOf(NEEDLE) !== -1) {
      this.found = true;
      return;
    }
    this.tail =
      bytes.length >= SEAM
        ? Buffer.from(bytes.subarray(bytes.length - SEAM))
        : Buffer.concat([this.tail, bytes]).subarray(-SEAM);
  }
}
