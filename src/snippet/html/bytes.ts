/**
 * Byte values and byte classes of the HTML tokenizer (docs/observability.md, "Where the
 * snippet goes"). The tokenizer reads bytes, never decoded text: every byte that makes markup
 * is ASCII, and ASCII bytes mean ASCII characters in every charset the middleware injects.
 */

export const LT = 0x3c; // <
export const GT = 0x3e; // >
export const SLASH = 0x2f; // /
export const BANG = 0x21; // !
export const QUESTION = 0x3f; // ?
export const DASH = 0x2d; // -
export const EQUALS = 0x3d; // =
export const DQUOTE = 0x22; // "
export const SQUOTE = 0x27; // '
export const LBRACKET = 0x5b; // [
export const RBRACKET = 0x5d; // ]

/** HTML's ASCII whitespace: tab, LF, FF, CR, space. */
export function isSpace(b: number): boolean {
  return b === 0x20 || b === 0x0a || b === 0x09 || b === 0x0c || b === 0x0d;
}

/** True for a byte that ends a tag name: whitespace, `/` or `>`. */
export function isNameEnd(b: number): boolean {
  return b === GT || b === SLASH || isSpace(b);
}

/** ASCII letters only. */
export function isAsciiAlpha(b: number): boolean {
  return (b >= 0x61 && b <= 0x7a) || (b >= 0x41 && b <= 0x5a);
}

/** ASCII lowercase of one byte; other bytes unchanged. */
export function toLower(b: number): number {
  return b >= 0x41 && b <= 0x5a ? b + 0x20 : b;
}

/** ASCII bytes of a lowercase name. */
export function bytesOf(name: string): Uint8Array {
  return Uint8Array.from(name, (c) => c.charCodeAt(0));
}

const typedArrayIndexOf = Uint8Array.prototype.indexOf;

/**
 * The index of `byte` in `bytes` from `from`, or -1. V8's typed-array `indexOf`, even on a
 * Buffer: `Buffer#indexOf` goes through a native binding whose call costs more than the
 * short searches between tags.
 */
export function indexOfByte(bytes: Uint8Array, byte: number, from: number): number {
  return typedArrayIndexOf.call(bytes, byte, from);
}

/** A zero-copy Buffer view of bytes, for the native `indexOf` with a needle. */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
}
