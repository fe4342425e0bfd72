import { gunzipSync } from 'node:zlib';

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

/** The decoded JSON value, or why the body was refused and with which status. */
export type DecodeResult =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly status: 400 | 413; readonly reason: string };

const refuse = (status: 400 | 413, reason: string): DecodeResult => ({ ok: false, status, reason });

/** gzip's magic bytes: posthog-js may post gzip as `text/plain` with no compression parameter. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

function gunzip(bytes: Buffer, maxDecodedBytes: number): Buffer | DecodeResult {
  try {
    return gunzipSync(bytes, { maxOutputLength: maxDecodedBytes });
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'ERR_BUFFER_TOO_LARGE' || error instanceof RangeError) {
      return refuse(413, `the body inflates past ${maxDecodedBytes} bytes`);
    }
    return refuse(400, 'the body is not valid gzip');
  }
}

/** `data=<base64 of the JSON>` (posthog-js's form and `compression=base64` encoding). */
function fromForm(text: string): string | undefined {
  const data = new URLSearchParams(text).get('data');
  if (data === null) return undefined;
  // A `+` the client did not percent-encode reads back as a space.
  const base64 = data.replace(/ /g, '+').trim();
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(base64)) return undefined;
  return Buffer.from(base64, 'base64').toString('utf8');
}

/**
 * Decodes what the PostHog SDKs post: gzip (recognised by its magic bytes, whatever
 * the headers say), `data=<base64>` forms, and plain JSON. Anything else — an empty
 * body, bad gzip, bad base64, text that is not JSON — is a 400; a body that inflates
 * past `maxDecodedBytes` is a 413.
 *
 * @example
 * decodeBody({ bytes: Buffer.from('{"event":"x"}') }, 1024); // { ok: true, value: { event: 'x' } }
 */
export function decodeBody(raw: RawBody, maxDecodedBytes: number): DecodeResult {
  let bytes = raw.bytes;
  if (bytes.length === 0) return refuse(400, 'the body is empty');
  if (isGzip(bytes)) {
    const inflated = gunzip(bytes, maxDecodedBytes);
    if (!Buffer.isBuffer(inflated)) return inflated;
    bytes = inflated;
  } else if (/gzip/i.test(raw.contentEncoding ?? '')) {
    return refuse(400, 'Content-Encoding says gzip but the body is not gzip');
  }
  if (bytes.length > maxDecodedBytes) {
    return refuse(413, `the body is larger than ${maxDecodedBytes} bytes`);
  }
  let text = bytes.toString('utf8');
  const form =
    /application\/x-www-form-urlencoded/i.test(raw.contentType ?? '') ||
    /base64/i.test(raw.compression ?? '') ||
    text.startsWith('data=');
  if (form) {
    const decoded = fromForm(text);
    if (decoded === undefined) return refuse(400, 'the form body has no valid base64 `data` field');
    text = decoded;
  }
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return refuse(400, 'the body is not JSON');
  }
}
