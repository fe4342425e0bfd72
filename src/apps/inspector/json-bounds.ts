import { setImmediate as nextTurn } from 'node:timers/promises';

/** The shape limits a body must keep before `JSON.parse` sees it. */
export interface JsonBounds {
  /** Objects and arrays in the whole body, at most. */
  readonly maxObjects: number;
  /** Nesting of objects and arrays, at most (`[{}]` is 2 deep). */
  readonly maxDepth: number;
}

/** `undefined` when the text keeps the bounds, else why not (for the 400's `detail`). */
export type BoundsVerdict = string | undefined;

const OPEN_OBJECT = 0x7b; // {
const OPEN_ARRAY = 0x5b; // [
const CLOSE_OBJECT = 0x7d; // }
const CLOSE_ARRAY = 0x5d; // ]
const QUOTE = 0x22; // "
const BACKSLASH = 0x5c; // \
/** Bytes scanned between two yields to the event loop. */
const SLICE = 64 * 1024;

/**
 * Counts the objects and arrays of a JSON text and its nesting, byte by byte, without
 * building anything: the depth and object-count caps hold before `JSON.parse` allocates
 * a single value (a 60 MiB `[{},{},…]` would otherwise become millions of objects). It
 * yields to the event loop every 64 KiB, so a large body never holds other requests up.
 * Strings are skipped with their escapes; the scan does not validate JSON (the parser
 * does that afterwards, on a text now known to be small and shallow enough).
 *
 * @example
 * await checkJsonBounds(Buffer.from('[[[]]]'), { maxObjects: 10, maxDepth: 2 }); // 'nested deeper than 2 levels'
 */
export async function checkJsonBounds(
  bytes: Uint8Array,
  bounds: JsonBounds,
): Promise<BoundsVerdict> {
  let depth = 0;
  let objects = 0;
  let inString = false;
  let escaped = false;
  for (let start = 0; start < bytes.length; start += SLICE) {
    if (start > 0) await nextTurn();
    const end = Math.min(bytes.length, start + SLICE);
    for (let i = start; i < end; i += 1) {
      const byte = bytes[i];
      if (inString) {
        if (escaped) escaped = false;
        else if (byte === BACKSLASH) escaped = true;
        else if (byte === QUOTE) inString = false;
        continue;
      }
      if (byte === QUOTE) inString = true;
      else if (byte === OPEN_OBJECT || byte === OPEN_ARRAY) {
        depth += 1;
        objects += 1;
        if (depth > bounds.maxDepth) return `nested deeper than ${bounds.maxDepth} levels`;
        if (objects > bounds.maxObjects) {
          return `more than ${bounds.maxObjects} objects and arrays`;
        }
      } else if (byte === CLOSE_OBJECT || byte === CLOSE_ARRAY) depth -= 1;
    }
  }
  return undefined;
}
