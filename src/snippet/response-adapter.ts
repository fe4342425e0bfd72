import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { type Conditionals, restoreConditionals } from '../core/http/conditional.js';
import { isHtmlType } from '../core/http/media-type.js';
import { type BodyChange, planHeaders } from './response-plan.js';
import { createSplicer, type PassthroughReason, type Splicer } from './splice.js';

/** The snippet for one response, rendered on its final headers. */
export interface RenderedSnippet {
  readonly bytes: Buffer;
  /** It carries a logged-in user's identity (so the response must stay private). */
  readonly carriesUser: boolean;
}

/**
 * What the adapter asks of the middleware. One object per middleware, not per response:
 * each hook gets the request and response it is about.
 */
export interface AdapterHooks {
  /** Held bytes allowed while looking for the insertion point. */
  readonly maxBufferBytes: number;
  /**
   * Asked once, at the first body bytes (or when the headers must leave first): may this
   * response get the snippet, by its status and headers?
   */
  eligible(req: IncomingMessage, res: ServerResponse): boolean;
  /**
   * Asked once, when the headers are final (the `on-headers` listeners of middlewares
   * registered later have run): the snippet for this response, or `undefined` to leave it.
   */
  render(req: IncomingMessage, res: ServerResponse): RenderedSnippet | undefined;
  /** An eligible body went out unmodified, and why. */
  passedThrough(req: IncomingMessage, reason: PassthroughReason): void;
}

type Callback = (error?: Error | null) => void;
type Chunk = string | Uint8Array;
type Method = (...args: unknown[]) => unknown;

/**
 * Where the body stands:
 * - `idle`: nothing written yet;
 * - `passing`: not a page to inject, or a `HEAD`: every byte goes straight through;
 * - `holding`: bytes are held until the insertion point is decided;
 * - `streaming`: decided and released; every later byte goes straight through.
 */
type BodyPhase = 'idle' | 'passing' | 'holding' | 'streaming';

/**
 * Where the headers stand:
 * - `open`: the app may still change them;
 * - `final`: `writeHead` was called (by the app, or by the adapter to run the `on-headers`
 *   listeners of later middlewares) and held back until the body is known;
 * - `sent`: the edits were applied and the headers handed on.
 */
type HeadPhase = 'open' | 'final' | 'sent';

/** Per-response state, kept on the response under a Symbol. */
interface AdapterState {
  readonly req: IncomingMessage;
  readonly hooks: AdapterHooks;
  readonly write: Method;
  readonly end: Method;
  readonly writeHead: Method;
  readonly setHeader: Method;
  readonly flush: Method | undefined;
  readonly flushHeaders: Method;
  body: BodyPhase;
  head: HeadPhase;
  /** The app called `writeHead` itself: its headers leave before the body, as without us. */
  appWroteHead: boolean;
  /** The adapter is calling `writeHead` only to run later middlewares' listeners. */
  gathering: boolean;
  /** The app asked for the headers to leave now (`flushHeaders`). */
  headersNow: boolean;
  /** A `write()` came before `end()`: the body is not known whole at its end. */
  wrote: boolean;
  /** Conditional headers taken off the request, until the app shows it is not a page. */
  conditionals: Conditionals | undefined;
  splicer: Splicer | undefined;
  change: BodyChange;
  snippet: RenderedSnippet | undefined;
  callbacks: Callback[] | undefined;
}

const STATE = Symbol('express-posthog.response-adapter');
type Adapted = ServerResponse & { [STATE]?: AdapterState };

/**
 * Released pieces up to this many bytes in all are joined into one Buffer before they are
 * written: one write downstream instead of three (head, snippet, rest) lets `compression()`
 * compress the page in one pass and the socket send it in one go.
 */
const COALESCE_MAX_BYTES = 1024 * 1024;

/** True once a snippet middleware has taken this response. */
export function isAdapted(res: ServerResponse): boolean {
  return (res as Adapted)[STATE] !== undefined;
}

/**
 * Wraps the response so its body passes through a splicer and every header edit is made
 * once, on the final headers, right before they leave (docs/observability.md, "Composition").
 *
 * The wrappers stay for the whole response and forward once done: nothing is put back by
 * assignment, so a wrapper that a later middleware installs over ours (`on-headers`,
 * `cookie-session`, `express-session`) keeps working. `writeHead` is held back until the
 * body is known — in every form Node takes, the flat raw-headers array with repeated names
 * included — and the headers then leave as they would have without the adapter: before the
 * body when the app wrote them first, with the first body bytes otherwise.
 *
 * The wrappers are shared functions reading per-response state from a Symbol, so a response
 * costs one small object and no closures.
 * @param conditionals the request's conditional headers, taken off it by the caller.
 */
export function adaptResponse(
  req: IncomingMessage,
  res: ServerResponse,
  hooks: AdapterHooks,
  conditionals: Conditionals | undefined,
): void {
  const adapted = res as Adapted;
  const flush = (res as { flush?: unknown }).flush;
  adapted[STATE] = {
    req,
    hooks,
    write: res.write as Method,
    end: res.end as Method,
    writeHead: res.writeHead as Method,
    setHeader: res.setHeader as Method,
    flush: typeof flush === 'function' ? (flush as Method) : undefined,
    flushHeaders: res.flushHeaders as Method,
    body: 'idle',
    head: 'open',
    appWroteHead: false,
    gathering: false,
    headersNow: false,
    wrote: false,
    conditionals,
    splicer: undefined,
    change: 'unchanged',
    snippet: undefined,
    callbacks: undefined,
  };
  res.write = adaptedWrite as ServerResponse['write'];
  res.end = adaptedEnd as ServerResponse['end'];
  res.writeHead = adaptedWriteHead as ServerResponse['writeHead'];
  res.flushHeaders = adaptedFlushHeaders;
  if (typeof flush === 'function') (res as { flush?: unknown }).flush = adaptedFlush;
  if (conditionals !== undefined) res.setHeader = adaptedSetHeader as ServerResponse['setHeader'];
}

function toBuffer(chunk: Chunk, encoding: unknown): Buffer {
  if (typeof chunk === 'string') {
    return Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
  }
  return Buffer.isBuffer(chunk)
    ? chunk
    : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

/** `pieces` joined into one Buffer when there are several and, unless `always`, they are small. */
function coalesce(pieces: Buffer[], always: boolean): Buffer[] {
  if (pieces.length < 2) return pieces;
  let total = 0;
  for (const piece of pieces) total += piece.length;
  return always || total <= COALESCE_MAX_BYTES ? [Buffer.concat(pieces, total)] : pieces;
}

/**
 * Applies `writeHead`'s arguments to the response as Node's `writeHead` merges them with
 * headers set before: an object's fields with `setHeader`; a flat array's names removed, then
 * each pair appended, so repeated names (two `Set-Cookie`) all stay.
 */
function applyWriteHeadArgs(res: ServerResponse, args: readonly unknown[]): void {
  const [statusCode, reason, fields] = args;
  const headers = typeof reason === 'string' ? fields : reason;
  if (typeof statusCode === 'number') res.statusCode = statusCode;
  if (typeof reason === 'string') res.statusMessage = reason;
  if (Array.isArray(headers)) {
    for (let i = 0; i + 1 < headers.length; i += 2) res.removeHeader(String(headers[i]));
    for (let i = 0; i + 1 < headers.length; i += 2) {
      if (headers[i]) res.appendHeader(String(headers[i]), headers[i + 1] as string);
    }
  } else if (headers && typeof headers === 'object') {
    for (const name of Object.keys(headers as OutgoingHttpHeaders)) {
      if (name) res.setHeader(name, (headers as OutgoingHttpHeaders)[name] as string);
    }
  }
}

/** Throws as Node's `writeHead` would for arguments it refuses, before anything is held. */
function checkWriteHeadArgs(state: AdapterState, res: ServerResponse, args: unknown[]): void {
  const [statusCode, reason, fields] = args;
  const headers = typeof reason === 'string' ? fields : reason;
  const status = Number(statusCode) | 0;
  if (status < 100 || status > 999 || (Array.isArray(headers) && headers.length % 2 !== 0)) {
    state.writeHead.apply(res, args); // throws Node's own error
  }
}

/** Decides, at the first body bytes, whether the body is held or passes through. */
function start(res: Adapted, state: AdapterState): void {
  const eligible = state.hooks.eligible(state.req, res);
  if (eligible && state.req.method === 'HEAD') {
    // No body to see: the headers are those of the page the GET would give.
    gatherHeaders(res, state);
    state.snippet = state.hooks.render(state.req, res);
    state.change = state.snippet ? 'unknown' : 'unchanged';
    state.body = 'passing';
  } else if (eligible) {
    state.splicer = createSplicer({ maxBufferBytes: state.hooks.maxBufferBytes });
    state.body = 'holding';
  } else {
    state.body = 'passing';
  }
  if (state.body === 'passing' && state.appWroteHead) sendHead(res, state);
}

/** Runs `writeHead` through the wrappers of later middlewares, holding it at ours. */
function gatherHeaders(res: Adapted, state: AdapterState): void {
  if (state.head !== 'open') return;
  state.gathering = true;
  try {
    res.writeHead(res.statusCode);
  } finally {
    state.gathering = false;
  }
}

/** Applies the plan's edits and hands the headers on. */
function sendHead(res: Adapted, state: AdapterState): void {
  if (state.head === 'sent') return;
  state.head = 'sent';
  if (state.change === 'unchanged' && state.conditionals === undefined) {
    // Nothing to edit: the common case of a response that is not a page.
    state.writeHead.call(res, res.statusCode);
    return;
  }
  const edits = planHeaders({
    method: state.req.method ?? 'GET',
    status: res.statusCode,
    get: (name) => res.getHeader(name),
    names: res.getHeaderNames(),
    body: state.change,
    snippet: state.snippet?.bytes,
    carriesUser: state.snippet?.carriesUser ?? false,
    conditionals: state.conditionals,
  });
  for (const [name, value] of edits.set) res.setHeader(name, value);
  for (const name of edits.remove) res.removeHeader(name);
  if (edits.status !== undefined) res.statusCode = edits.status;
  state.writeHead.call(res, res.statusCode);
}

/**
 * The splicer has decided: renders the snippet on the final headers (unless they already
 * left), and returns the held bytes to write, with the snippet in place.
 */
function release(res: Adapted, state: AdapterState, whole: boolean): Buffer[] {
  const splicer = state.splicer as Splicer;
  const verdict = splicer.verdict;
  if (state.head !== 'sent') {
    gatherHeaders(res, state);
    state.snippet = verdict.kind === 'insert' ? state.hooks.render(state.req, res) : undefined;
    state.change = state.snippet ? 'changed' : 'unchanged';
  }
  if (verdict.kind === 'passthrough') state.hooks.passedThrough(state.req, verdict.reason);
  const pieces = splicer.take(verdict.kind === 'insert' ? state.snippet?.bytes : undefined);
  state.body = 'streaming';
  state.splicer = undefined;
  if (state.appWroteHead) sendHead(res, state);
  return coalesce(pieces, whole);
}

/** Writes released bytes; the pending write callbacks ride on the last one. */
function writePieces(res: Adapted, state: AdapterState, pieces: Buffer[]): boolean {
  const pending = state.callbacks;
  state.callbacks = undefined;
  let ok = true;
  pieces.forEach((bytes, index) => {
    const done =
      index === pieces.length - 1 && pending
        ? (error?: Error | null) => {
            for (const callback of pending) callback(error);
          }
        : undefined;
    ok =
      ((done ? state.write.call(res, bytes, done) : state.write.call(res, bytes)) as boolean) && ok;
  });
  if (pieces.length === 0 && pending) for (const callback of pending) process.nextTick(callback);
  return ok;
}

function adaptedWriteHead(this: Adapted, ...args: unknown[]): ServerResponse {
  const state = this[STATE] as AdapterState;
  if (state.head === 'sent') return state.writeHead.apply(this, args) as ServerResponse;
  const bodyUnknown = state.body === 'idle' || state.body === 'holding';
  if (bodyUnknown && !state.headersNow) {
    // The app's own call, or ours to run later middlewares' listeners: hold it.
    checkWriteHeadArgs(state, this, args);
    applyWriteHeadArgs(this, args);
    if (state.head === 'open') {
      state.head = 'final';
      state.appWroteHead = !state.gathering;
    }
    return this;
  }
  if (state.head === 'open') applyWriteHeadArgs(this, args);
  if (bodyUnknown) {
    // flushHeaders() before the body: the headers leave now, before the snippet is known.
    state.head = 'final';
    if (state.body === 'idle') start(this, state);
    if (state.body === 'holding') {
      state.snippet = state.hooks.render(state.req, this);
      state.change = state.snippet ? 'unknown' : 'unchanged';
    }
  }
  sendHead(this, state);
  return this;
}

function adaptedWrite(this: Adapted, ...args: unknown[]): boolean {
  const state = this[STATE] as AdapterState;
  if (state.body === 'idle') start(this, state);
  if (state.body !== 'holding') return state.write.apply(this, args) as boolean;
  const splicer = state.splicer as Splicer;
  const [chunk, encoding, callback] = args;
  const done = typeof encoding === 'function' ? encoding : callback;
  if (typeof done === 'function') {
    state.callbacks ??= [];
    state.callbacks.push(done as Callback);
  }
  state.wrote = true;
  if (chunk === undefined || chunk === null) return true;
  if (!splicer.push(toBuffer(chunk as Chunk, encoding))) return true;
  return writePieces(this, state, release(this, state, false));
}

function adaptedEnd(this: Adapted, ...args: unknown[]): ServerResponse {
  const state = this[STATE] as AdapterState;
  if (state.body === 'idle') start(this, state);
  if (state.body !== 'holding') return state.end.apply(this, args) as ServerResponse;
  const splicer = state.splicer as Splicer;
  let [chunk, encoding, callback] = args;
  if (typeof chunk === 'function') [chunk, encoding, callback] = [undefined, undefined, chunk];
  if (typeof encoding === 'function') [encoding, callback] = [undefined, encoding];
  if (chunk !== undefined && chunk !== null) splicer.push(toBuffer(chunk as Chunk, encoding));
  splicer.end();
  // A body given whole to end() leaves whole, so its framing (Content-Length) is the app's.
  const pieces = release(this, state, !state.wrote);
  const last = pieces.pop();
  const pending = state.callbacks;
  state.callbacks = undefined;
  writePieces(this, state, pieces);
  for (const done of pending ?? []) this.once('finish', () => done());
  const tail = typeof callback === 'function' ? [callback] : [];
  return (
    last ? state.end.call(this, last, ...tail) : state.end.call(this, ...tail)
  ) as ServerResponse;
}

/** `res.flush()` (from `compression()`): the bytes held so far must leave now. */
function adaptedFlush(this: Adapted): void {
  const state = this[STATE] as AdapterState;
  if (state.body === 'holding') {
    const splicer = state.splicer as Splicer;
    splicer.flush();
    writePieces(this, state, release(this, state, false));
  }
  state.flush?.call(this);
}

/** `res.flushHeaders()`: the headers leave now, whatever the body holds. */
function adaptedFlushHeaders(this: Adapted): void {
  const state = this[STATE] as AdapterState;
  state.headersNow = true;
  if (state.head === 'final') adaptedWriteHead.call(this);
  state.flushHeaders.call(this);
}

/**
 * While the request's conditionals are held: a `Content-Type` that is not a page puts them
 * back, so the app answers its own 304s for assets and API responses as it would without us.
 */
function adaptedSetHeader(this: Adapted, name: string, value: unknown): ServerResponse {
  const state = this[STATE] as AdapterState;
  const taken = state.conditionals;
  if (
    taken !== undefined &&
    state.body === 'idle' &&
    name.toLowerCase() === 'content-type' &&
    !isHtmlType(value)
  ) {
    restoreConditionals(state.req.headers, taken);
    state.conditionals = undefined;
  }
  return state.setHeader.call(this, name, value) as ServerResponse;
}
