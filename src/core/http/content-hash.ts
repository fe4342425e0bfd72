import { createHash } from 'node:crypto';

/**
 * The first 16 hex digits of the SHA-256 of `bytes`: the name part of a content-hashed URL,
 * so that a file served with an immutable cache gets a new URL whenever it changes.
 * @example
 * contentHash(Buffer.from('x')); // '2d711642b726b044'
 */
export function contentHash(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex').slice(0, 16);
}
