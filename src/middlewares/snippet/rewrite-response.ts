import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { snippetEtag } from '../../snippet/etag.js';
import { createSplicer, type PassthroughReason, type Splicer } from '../../snippet/splice.js';

/** What the rewriter asks of the middleware. */
export interface RewriteHooks {
  /**
   * Called once, when the headers are about to be decided (`res.statusCode` and the
   * headers are final). Returns the snippet for this response, or `undefined` to
   * leave the response alone.
   */
  decide(): Buffer | undefined;
  /** Held bytes allowed while looking for the insertion point. */
  readonly maxBufferBytes: number;
  /** Called when a body that was eligible went out unmodified, and why. */
  passthrough(reason: PassthroughReason): void;
  /** Whether the client already holds the page with this (snippet-marked) ETag. */
  notModified(etag: string): boolean;
}

type Callback = (error?: Error | null) => void;
type Chunk = string | Uint8Array;

/**
 * Released pieces up to this many bytes in all are joined into one Buffer before they are
 * written: one write downstream instead of three (head, snippet, rest) is what lets
 * `compression()` compress the page in one pass and the socket send it in one go. Above it,
 * the pieces are written as they are, without a copy.
 */
const COALESCE_MAX_BYTES = 1024 * 1024;

/** `pieces` joined into one Buffer when there are several and they are small; else as they are. */
function coalesce(pieces: Buffer[]): Buffer[] {
  if (pieces.length < 2) return pieces;
  let total = 0;
  for (const piece of pieces) total += piece.length;
  return total <= COALESCE_MAX_BYTES ? [Buffer.concat(pieces, total)] : pieces;
}

function toBuffer(chunk: Chunk, encoding: unknown): Buffer {
  if (typeof chunk === 'string') {
    return Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
  }
  return Buffer.isBuffer(chunk)
    ? chunk
    : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

/** Applies `writeHead`'s headers argument (an object or a flat array) with `setHeader`. */
function applyHeaders(res: ServerResponse, headers: unknown): void {
  if (Array.isArray(headers)) {
    for (let i = 0; i + 1 < headers.length; i += 2)
      res.setHeader(String(headers[i]), headers[i + 1]);
  } else if (headers && typeof headers === 'object') {
    for (const [name, value] of Object.entries(headers as OutgoingHttpHeaders)) {
      if (value !== undefined) res.setHeader(name, value);
    }
  }
}

/**
 * Wraps `res.write`, `res.end` and `res.writeHead` so the body passes through a
 * splicer. It decides once, at the first write, end or explicit `writeHead`:
 *
 * - not eligible: the original methods are put back; nothing is buffered;
 * - `HEAD`: `Content-Length` is dropped (the GET length is not known), the ETag marked;
 * - otherwise bytes are held until the insertion point is found (or the cap is hit),
 *   then released, and the original methods put back so the rest streams untouched.
 *
 * Because the headers go out with the first released bytes, `Content-Length` is adjusted
 * by the snippet's exact length, or left as it was when the body went out unmodified.
 * Only when the app writes its headers explicitly before the body is the length
 * unknowable; then it is dropped.
 */
export function rewriteResponse(
  req: IncomingMessage,
  res: ServerResponse,
  hooks: RewriteHooks,
): void {
  const originalWrite = res.write;
  const originalEnd = res.end;
  const originalWriteHead = res.writeHead;

  let phase: 'undecided' | 'holding' | 'discard' | 'done' = 'undecided';
  let splicer: Splicer | undefined;
  let snippet: Buffer | undefined;
  let headersFixed = false;
  let callbacks: Callback[] = [];

  /**
   * Puts the methods back as they were found. Assigned, never `delete`d: deleting a property
   * sends the response object to V8's slow dictionary mode for the rest of the request.
   */
  function restore(): void {
    res.write = originalWrite;
    res.end = originalEnd;
    res.writeHead = originalWriteHead;
  }

  function markEtag(bytes: Buffer): void {
    const etag = res.getHeader('ETag');
    if (etag === undefined) return;
    const changed = snippetEtag(String(etag), bytes);
    if (changed) res.setHeader('ETag', changed);
    else res.removeHeader('ETag');
  }

  function decide(explicitHead: boolean): void {
    if (phase !== 'undecided') return;
    phase = 'done';
    const bytes = hooks.decide();
    if (!bytes) {
      restore();
      return;
    }
    // The body now depends on the snippet: the original validators no longer describe it.
    res.removeHeader('Last-Modified');
    markEtag(bytes);
    const etag = res.getHeader('ETag');
    if (res.statusCode === 200 && etag !== undefined && hooks.notModified(String(etag))) {
      res.statusCode = 304;
      for (const name of ['Content-Length', 'Content-Type', 'Transfer-Encoding'])
        res.removeHeader(name);
      phase = 'discard';
      return;
    }
    if (req.method === 'HEAD') {
      res.removeHeader('Content-Length');
      restore();
      return;
    }
    snippet = bytes;
    splicer = createSplicer({ snippet: bytes, maxBufferBytes: hooks.maxBufferBytes });
    phase = 'holding';
    if (explicitHead) {
      // The headers leave now, before the body is seen: its length is unknowable.
      res.removeHeader('Content-Length');
      headersFixed = true;
    }
  }

  /** Called right before the first bytes go out: the headers leave with them. */
  function fixHeaders(): void {
    if (headersFixed || !splicer || !snippet) return;
    headersFixed = true;
    if (splicer.state !== 'injected' || res.headersSent) return;
    const length = res.getHeader('Content-Length');
    if (length !== undefined) {
      const value = Number(length);
      if (Number.isSafeInteger(value)) res.setHeader('Content-Length', value + snippet.length);
      else res.removeHeader('Content-Length');
    }
  }

  function settle(): void {
    if (!splicer || splicer.state === 'searching') return;
    if (splicer.state === 'passthrough' && splicer.reason) hooks.passthrough(splicer.reason);
    phase = 'done';
    restore();
  }

  /** Writes released bytes; the pending write callbacks ride on the last one. */
  function release(out: Buffer[]): boolean {
    if (out.length === 0) return true;
    fixHeaders();
    const pending = callbacks;
    callbacks = [];
    let ok = true;
    out.forEach((bytes, index) => {
      const last = index === out.length - 1;
      const done =
        last && pending.length > 0
          ? (error?: Error | null) => {
              for (const callback of pending) callback(error);
            }
          : undefined;
      const write = originalWrite as (...a: unknown[]) => boolean;
      ok = (done ? write.call(res, bytes, done) : write.call(res, bytes)) && ok;
    });
    return ok;
  }

  res.writeHead = function posthogSnippetWriteHead(this: ServerResponse, ...args: unknown[]) {
    if (phase === 'undecided') {
      const [statusCode, second, third] = args;
      if (typeof statusCode === 'number') res.statusCode = statusCode;
      const headers = typeof second === 'string' ? third : second;
      applyHeaders(res, headers);
      decide(true);
      const message = typeof second === 'string' ? [second] : [];
      return (originalWriteHead as (...a: unknown[]) => ServerResponse).call(
        this,
        res.statusCode,
        ...message,
      );
    }
    return (originalWriteHead as (...a: unknown[]) => ServerResponse).apply(this, args);
  } as ServerResponse['writeHead'];

  res.write = function posthogSnippetWrite(this: ServerResponse, ...args: unknown[]): boolean {
    if (phase === 'undecided') decide(false);
    if (phase === 'discard') {
      const done = args.find((arg) => typeof arg === 'function') as Callback | undefined;
      if (done) process.nextTick(done);
      return true;
    }
    if (phase !== 'holding' || !splicer) {
      return (originalWrite as (...a: unknown[]) => boolean).apply(this, args);
    }
    const [chunk, encoding, callback] = args;
    const done = typeof encoding === 'function' ? encoding : callback;
    if (typeof done === 'function') callbacks.push(done as Callback);
    const ok = release(coalesce(splicer.push(toBuffer(chunk as Chunk, encoding))));
    settle();
    return ok;
  } as ServerResponse['write'];

  res.end = function posthogSnippetEnd(this: ServerResponse, ...args: unknown[]): ServerResponse {
    if (phase === 'undecided') decide(false);
    if (phase === 'discard') {
      restore();
      const done = args.find((arg) => typeof arg === 'function');
      return (originalEnd as (...a: unknown[]) => ServerResponse).call(
        this,
        ...(done ? [done] : []),
      );
    }
    if (phase !== 'holding' || !splicer) {
      return (originalEnd as (...a: unknown[]) => ServerResponse).apply(this, args);
    }
    let [chunk, encoding, callback] = args;
    if (typeof chunk === 'function') [chunk, encoding, callback] = [undefined, undefined, chunk];
    if (typeof encoding === 'function') [encoding, callback] = [undefined, encoding];
    const out =
      chunk === undefined || chunk === null ? [] : splicer.push(toBuffer(chunk as Chunk, encoding));
    out.push(...splicer.end());
    const pieces = coalesce(out);
    const last = pieces.pop();
    release(pieces);
    if (last) fixHeaders();
    settle();
    for (const pending of callbacks.splice(0)) res.once('finish', () => pending());
    const end = originalEnd as (...a: unknown[]) => ServerResponse;
    const tail = typeof callback === 'function' ? [callback] : [];
    return last ? end.call(this, last, ...tail) : end.call(this, ...tail);
  } as ServerResponse['end'];
}
