import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { snippetEtag } from '../../snippet/etag.js';
import { createSplicer, type PassthroughReason, type Splicer } from '../../snippet/splice.js';

/**
 * What the rewriter asks of the middleware. One object per middleware, not per response:
 * each hook gets the request and response it is about.
 */
export interface RewriteHooks {
  /**
   * Called once, when the headers are about to be decided (`res.statusCode` and the
   * headers are final). Returns the snippet for this response, or `undefined` to
   * leave the response alone.
   */
  decide(req: IncomingMessage, res: ServerResponse): Buffer | undefined;
  /** Held bytes allowed while looking for the insertion point. */
  readonly maxBufferBytes: number;
  /** Called when a body that was eligible went out unmodified, and why. */
  passthrough(req: IncomingMessage, reason: PassthroughReason): void;
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

type Write = (...args: unknown[]) => boolean;
type End = (...args: unknown[]) => ServerResponse;
type WriteHead = (...args: unknown[]) => ServerResponse;

/** Per-response state, kept on the response under a Symbol. */
interface Rewrite {
  readonly req: IncomingMessage;
  readonly hooks: RewriteHooks;
  /** Entity tags the client said it holds (`If-None-Match`), without `W/`. */
  readonly held: readonly string[];
  readonly write: Write;
  readonly end: End;
  readonly writeHead: WriteHead;
  phase: 'undecided' | 'holding' | 'discard' | 'done';
  splicer: Splicer | undefined;
  snippet: Buffer | undefined;
  headersFixed: boolean;
  callbacks: Callback[] | undefined;
}

const REWRITE = Symbol('express-posthog.rewrite');
type Rewritten = ServerResponse & { [REWRITE]?: Rewrite };

/** True once a snippet middleware has taken this response. */
export function isRewritten(res: ServerResponse): boolean {
  return (res as Rewritten)[REWRITE] !== undefined;
}

/**
 * Wraps `res.write`, `res.end` and `res.writeHead` so the body passes through a
 * splicer. Call it once per response (see {@link isRewritten}). It decides once, at the first write, end or explicit `writeHead`:
 *
 * - not eligible: the original methods are put back; nothing is buffered;
 * - the client holds this very page (`held` has its snippet-marked ETag): 304, no body;
 * - `HEAD`: `Content-Length` is dropped (the GET length is not known);
 * - otherwise bytes are held until the insertion point is found (or the cap is hit),
 *   then released, and the original methods put back so the rest streams untouched.
 *
 * Because the headers go out with the first released bytes, `Content-Length` is adjusted
 * by the snippet's exact length, or left as it was when the body went out unmodified.
 * Only when the app writes its headers explicitly before the body is the length
 * unknowable; then it is dropped.
 *
 * The wrappers are shared functions reading per-response state from a Symbol, so a
 * response that is not a page costs one small object and no closures.
 */
export function rewriteResponse(
  req: IncomingMessage,
  res: ServerResponse,
  hooks: RewriteHooks,
  held: readonly string[],
): void {
  (res as Rewritten)[REWRITE] = {
    req,
    hooks,
    held,
    write: res.write as Write,
    end: res.end as End,
    writeHead: res.writeHead as WriteHead,
    phase: 'undecided',
    splicer: undefined,
    snippet: undefined,
    headersFixed: false,
    callbacks: undefined,
  };
  res.write = rewrittenWrite as ServerResponse['write'];
  res.end = rewrittenEnd as ServerResponse['end'];
  res.writeHead = rewrittenWriteHead as ServerResponse['writeHead'];
}

/**
 * Puts the methods back as they were found. Assigned, never `delete`d: deleting a property
 * sends the response object to V8's slow dictionary mode for the rest of the request.
 */
function restore(res: ServerResponse, state: Rewrite): void {
  res.write = state.write as ServerResponse['write'];
  res.end = state.end as ServerResponse['end'];
  res.writeHead = state.writeHead as ServerResponse['writeHead'];
}

function markEtag(res: ServerResponse, bytes: Buffer): void {
  const etag = res.getHeader('ETag');
  if (etag === undefined) return;
  const changed = snippetEtag(String(etag), bytes);
  if (changed) res.setHeader('ETag', changed);
  else res.removeHeader('ETag');
}

function decide(res: ServerResponse, state: Rewrite, explicitHead: boolean): void {
  state.phase = 'done';
  const bytes = state.hooks.decide(state.req, res);
  if (!bytes) {
    restore(res, state);
    return;
  }
  // The body now depends on the snippet: the original validators no longer describe it.
  res.removeHeader('Last-Modified');
  markEtag(res, bytes);
  const etag = res.getHeader('ETag');
  if (
    res.statusCode === 200 &&
    etag !== undefined &&
    state.held.length > 0 &&
    state.held.includes(String(etag).replace(/^W\//, ''))
  ) {
    res.statusCode = 304;
    for (const name of ['Content-Length', 'Content-Type', 'Transfer-Encoding'])
      res.removeHeader(name);
    state.phase = 'discard';
    return;
  }
  if (state.req.method === 'HEAD') {
    res.removeHeader('Content-Length');
    restore(res, state);
    return;
  }
  state.snippet = bytes;
  state.splicer = createSplicer({ snippet: bytes, maxBufferBytes: state.hooks.maxBufferBytes });
  state.phase = 'holding';
  if (explicitHead) {
    // The headers leave now, before the body is seen: its length is unknowable.
    res.removeHeader('Content-Length');
    state.headersFixed = true;
  }
}

/** Called right before the first bytes go out: the headers leave with them. */
function fixHeaders(res: ServerResponse, state: Rewrite): void {
  const { splicer, snippet } = state;
  if (state.headersFixed || !splicer || !snippet) return;
  state.headersFixed = true;
  if (splicer.state !== 'injected' || res.headersSent) return;
  const length = res.getHeader('Content-Length');
  if (length !== undefined) {
    const value = Number(length);
    if (Number.isSafeInteger(value)) res.setHeader('Content-Length', value + snippet.length);
    else res.removeHeader('Content-Length');
  }
}

/** Once the splicer has decided, the rest of the body streams through the original methods. */
function settle(res: ServerResponse, state: Rewrite): void {
  const splicer = state.splicer;
  if (!splicer || splicer.state === 'searching') return;
  if (splicer.state === 'passthrough' && splicer.reason) {
    state.hooks.passthrough(state.req, splicer.reason);
  }
  state.phase = 'done';
  restore(res, state);
}

/** Writes released bytes; the pending write callbacks ride on the last one. */
function release(res: ServerResponse, state: Rewrite, out: Buffer[]): boolean {
  if (out.length === 0) return true;
  fixHeaders(res, state);
  const pending = state.callbacks;
  state.callbacks = undefined;
  let ok = true;
  out.forEach((bytes, index) => {
    const done =
      index === out.length - 1 && pending
        ? (error?: Error | null) => {
            for (const callback of pending) callback(error);
          }
        : undefined;
    ok = (done ? state.write.call(res, bytes, done) : state.write.call(res, bytes)) && ok;
  });
  return ok;
}

function rewrittenWriteHead(this: Rewritten, ...args: unknown[]): ServerResponse {
  const state = this[REWRITE] as Rewrite;
  if (state.phase === 'undecided') {
    const [statusCode, second, third] = args;
    if (typeof statusCode === 'number') this.statusCode = statusCode;
    applyHeaders(this, typeof second === 'string' ? third : second);
    decide(this, state, true);
    const message = typeof second === 'string' ? [second] : [];
    return state.writeHead.call(this, this.statusCode, ...message);
  }
  return state.writeHead.apply(this, args);
}

function rewrittenWrite(this: Rewritten, ...args: unknown[]): boolean {
  const state = this[REWRITE] as Rewrite;
  if (state.phase === 'undecided') decide(this, state, false);
  if (state.phase === 'discard') {
    const done = args.find((arg) => typeof arg === 'function') as Callback | undefined;
    if (done) process.nextTick(done);
    return true;
  }
  const splicer = state.splicer;
  if (state.phase !== 'holding' || !splicer) return state.write.apply(this, args);
  const [chunk, encoding, callback] = args;
  const done = typeof encoding === 'function' ? encoding : callback;
  if (typeof done === 'function') {
    state.callbacks ??= [];
    state.callbacks.push(done as Callback);
  }
  const ok = release(this, state, coalesce(splicer.push(toBuffer(chunk as Chunk, encoding))));
  settle(this, state);
  return ok;
}

function rewrittenEnd(this: Rewritten, ...args: unknown[]): ServerResponse {
  const state = this[REWRITE] as Rewrite;
  if (state.phase === 'undecided') decide(this, state, false);
  if (state.phase === 'discard') {
    restore(this, state);
    const done = args.find((arg) => typeof arg === 'function');
    return done ? state.end.call(this, done) : state.end.call(this);
  }
  const splicer = state.splicer;
  if (state.phase !== 'holding' || !splicer) return state.end.apply(this, args);
  let [chunk, encoding, callback] = args;
  if (typeof chunk === 'function') [chunk, encoding, callback] = [undefined, undefined, chunk];
  if (typeof encoding === 'function') [encoding, callback] = [undefined, encoding];
  const out =
    chunk === undefined || chunk === null ? [] : splicer.push(toBuffer(chunk as Chunk, encoding));
  out.push(...splicer.end());
  const pieces = coalesce(out);
  const last = pieces.pop();
  release(this, state, pieces);
  if (last) fixHeaders(this, state);
  settle(this, state);
  for (const pending of state.callbacks?.splice(0) ?? []) this.once('finish', () => pending());
  const tail = typeof callback === 'function' ? [callback] : [];
  return last ? state.end.call(this, last, ...tail) : state.end.call(this, ...tail);
}
