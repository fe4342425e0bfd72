import { promisify } from 'node:util';
import { gunzip as gunzipCallback } from 'node:zlib';
import { checkJsonBounds, type JsonBounds } from './json-bounds.js';

const gunzipAsync = promisify(gunzipCallback);

/** A request body as it arrived, with what the client said about it. */
export interface RawBody {
  readonly bytes: Buffer;
  /** The `Content-Type` header. */
  readonly contentType?: string | undefined;
  /** The `Content-Encoding` header. */
  readonly contentEncoding?: string | undefined;
  /** The `compression` query parameter posthog-js adds (`base64`, `gzip-js`), when present. */
  readonly compression?: string | undefined;
}

/** The caps a body must keep once decoded, before it is parsed. */
export interface DecodeLimits extends JsonBounds {
  /** Bytes of JSON text after gunzip and base64, at most. */
  readonly maxDecodedBytes: number;
}

/** The decoded JSON value, or why the body was refused and with which status. */
export type DecodeResult =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly status: 400 | 413; readonly reason: string };

const refuse = (status: 400 | 413, reason: string): DecodeResult => ({ ok: false, status, reason });

/** gzip's magic bytes: posthog-js may post gzip as `text/plain` with no compression parameter. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Inflates on libuv's thread pool (never on the event loop), stopping as soon as the
 * output passes `maxOutputBytes`: a 60 KiB gzip bomb costs at most that many bytes.
 *
 * @example
 * await inflate(gzipSync('{}'), 1024); // Buffer '{}'
 */
export async function inflate(
  bytes: Uint8Array,
  maxOutputBytes: number,
): Promise<Buffer | DecodeResult> {
  try {
    return await gunzipAsync(bytes, { maxOutputLength: maxOutputBytes, chunkSize: 64 * 1024 });
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'ERR_BUFFER_TOO_LARGE' || error instanceof RangeError) {
      return refuse(413, `the body inflates past ${maxOutputBytes} bytes`);
    }
    return refuse(400, 'the body is not valid gzip');
  }
}

/** `data=<base64 of the JSON>` (posthog-js's form and `compression=base64` encoding). */
function fromForm(text: string): Buffer | undefined {
  const data = new URLSearchParams(text).get('data');
  if (data === null) return undefined;
  // A `+` the client did not percent-encode reads back as a space.
  const base64 = data.replace(/ /g, '+').trim();
  if (base64 === '' || !/^[A-Za-z0-9+/_-]*={0,2}$/.test(base64)) return undefined;
  return Buffer.from(base64, 'base64');
}

/**
 * Decodes what the PostHog SDKs post: gzip (recognised by its magic bytes, whatever
 * the headers say), `data=<base64>` forms, and plain JSON. The caps hold before
 * anything is parsed: inflating stops at `maxDecodedBytes` (413), and a text nested
 * deeper than `maxDepth` or holding more than `maxObjects` objects is a 400 without
 * ever reaching `JSON.parse`. An empty body, bad gzip, bad base64 or text that is not
 * JSON is a 400 too.
 *
 * @example
 * await decodeBody({ bytes: Buffer.from('{"event":"x"}') }, { maxDecodedBytes: 1024, maxObjects: 10, maxDepth: 8 });
 * // { ok: true, value: { event: 'x' } }
 */
export async function decodeBody(raw: RawBody, limits: DecodeLimits): Promise<DecodeResult> {
  let bytes = raw.bytes;
  if (bytes.length === 0) return refuse(400, 'the body is empty');
  if (isGzip(bytes)) {
    const inflated = await inflate(bytes, limits.maxDecodedBytes);
    if (!Buffer.isBuffer(inflated)) return inflated;
    bytes = inflated;
  } else if (/gzip/i.test(raw.contentEncoding ?? '')) {
    return refuse(400, 'Content-Encoding says gzip but the body is not gzip');
  }
  if (bytes.length > limits.maxDecodedBytes) {
    return refuse(413, `the body is larger than ${limits.maxDecodedBytes} bytes`);
  }
  const form =
    /application\/x-www-form-urlencoded/i.test(raw.contentType ?? '') ||
    /base64/i.test(raw.compression ?? '') ||
    (bytes.length > 5 && bytes.subarray(0, 5).toString('latin1') === 'data=');
  if (form) {
    const decoded = fromForm(bytes.toString('latin1'));
    if (decoded === undefined) return refuse(400, 'the form body has no valid base64 `data` field');
    // A base64 field may itself carry gzip (posthog-js's `compression=gzip-js` in a form).
    if (isGzip(decoded)) {
      const inflated = await inflate(decoded, limits.maxDecodedBytes);
      if (!Buffer.isBuffer(inflated)) return inflated;
      bytes = inflated;
    } else bytes = decoded;
  }
  const tooBig = await checkJsonBounds(bytes, limits);
  if (tooBig) return refuse(400, `the body is ${tooBig}`);
  try {
    return { ok: true, value: JSON.parse(bytes.toString('utf8')) as unknown };
  } catch {
    return refuse(400, 'the body is not JSON');
  }
}
