import { type IncomingMessage, type OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { type Conditionals, restoreConditionals } from '../core/http/conditional.js';
import { isHtmlType } from '../core/http/media-type.js';
import { type BodyChange, lengthWithSnippet, planHeaders } from './response-plan.js';
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
   * How long held bytes may wait for the app's next write: when the app writes nothing more
   * for this many ms before the insertion point is decided, the held bytes are decided as at
   * a `res.flush()` and go out.
   */
  readonly holdMs: number;
  /**
   * Asked once per response, at its first body bytes (or when the headers must leave first),
   * on the status and headers the app has set by then: does this response take the snippet?
   * `false` says why in the debug log. The `on-headers` listeners of middlewares registered
   * later run afterwards, when the headers are made final for {@link AdapterHooks.render}.
   */
  takesSnippet(req: IncomingMessage, res: ServerResponse): boolean;
  /**
   * Asked once for a response that takes the snippet, when the body shows where it goes (or
   * when the headers must leave before that): the snippet for this response, or `undefined`
   * to leave it.
   */
  render(req: IncomingMessage, res: ServerResponse): RenderedSnippet | undefined;
  /** A body that took the snippet went out unmodified, and why. */
  passedThrough(req: IncomingMessage, reason: PassthroughReason): void;
}

type Callback = (error?: Error | null) => void;
type Chunk = string | Uint8Array;
type Method = (...args: unknown[]) => unknown;

/**
 * Where the headers stand while nothing has been handed on:
 * - `open`: the app may still change them;
 * - `gathering`: the adapter is running `writeHead` through the wrappers of middlewares
 *   registered after it, so that their `on-headers` listeners run; then `held`: final, held
 *   back until the body is known, they leave with its first bytes;
 * - `written`: the app called `writeHead`; final, held back, they leave before the body.
 */
type Head = 'open' | 'gathering' | 'held' | 'written';

/** No body byte yet. */
interface Undecided {
  readonly kind: 'undecided';
  head: Head;
}

/**
 * A response that takes the snippet: its first bytes are held until the splicer finds the
 * insertion point, and its headers with them.
 */
interface Holding {
  readonly kind: 'holding';
  readonly splicer: Splicer;
  head: Head;
  /** A `write()` came before `end()`: the body is not known whole at its end. */
  wrote: boolean;
  /** The callbacks of held writes, called once their bytes are written. */
  callbacks: Callback[] | undefined;
  /** Fires when the app has written nothing for `holdMs` while bytes are held. */
  timer: NodeJS.Timeout | undefined;
}

/**
 * Bytes still held, but the headers already left (`flushHeaders()` before the insertion
 * point): the snippet was rendered then, and goes in if the body shows a place for it.
 */
interface HoldingAfterHeaders extends Omit<Holding, 'kind' | 'head'> {
  readonly kind: 'holding-after-headers';
  readonly snippet: RenderedSnippet | undefined;
}

/**
 * Decided, and the body passes straight through; the headers leave when Node writes them
 * with the first bytes (so that `end(body)` keeps Node's own framing), with the edits for
 * `change`.
 */
interface Passing {
  readonly kind: 'passing';
  readonly change: BodyChange;
  readonly snippet: RenderedSnippet | undefined;
}

/** The headers have been handed on and nothing is held: every call is forwarded. */
interface Done {
  readonly kind: 'done';
}

/** Where one response stands; each call of a wrapper moves it forward, never back. */
type Stage = Undecided | Holding | HoldingAfterHeaders | Passing | Done;

const DONE: Done = Object.freeze({ kind: 'done' });

/**
 * Per-response state, held by the wrappers' closures: not on the response, whose every added
 * own property costs a hidden class of its own (docs/performance.md, "The per-page cost,
 * counted"), nor in a `WeakMap` keyed by it (see {@link ADAPTED}).
 */
interface AdapterState {
  readonly req: IncomingMessage;
  readonly hooks: AdapterHooks;
  readonly write: Method;
  readonly end: Method;
  readonly writeHead: Method;
  readonly setHeader: Method;
  readonly flush: Method | undefined;
  /** The `flushHeaders` that ours forwards to (see {@link installFlushHeaders}). */
  flushHeaders: Method;
  /**
   * The response reaches ours through its prototype's shared `flushHeaders`, not an own
   * property: a wrapper that a middleware registered earlier made of that shared one forwards
   * to Node's, not to ours.
   */
  sharedFlushHeaders: boolean;
  stage: Stage;
  /** Conditional headers taken off the request, until the app shows it is not a page. */
  conditionals: Conditionals | undefined;
  /**
   * The app called `writeHead` and the adapter holds the headers: to the app they are sent
   * (see {@link commitToApp}), until the adapter hands them on.
   */
  headHeldAsSent: boolean;
  /**
   * Node's own `_header` (the serialised head, or null) once {@link commitToApp} shadowed it;
   * `undefined` while it is not shadowed.
   */
  header: unknown;
}

/**
 * The responses a snippet middleware has taken; the value is the response's state only while
 * the shared `flushHeaders` (see {@link installFlushHeaders}) may need it, else `undefined`.
 * The state reaches the response (through the request and the wrappers it holds), and a
 * `WeakMap` entry whose value reaches its key costs V8's garbage collector about 10 µs per
 * response here (docs/performance.md, "The per-page cost, profiled and cut"): the state lives
 * in the wrappers' closures, and the entry's value is cleared once `end()` has handed
 * everything on.
 */
const ADAPTED = new WeakMap<ServerResponse, AdapterState | undefined>();

/**
 * Released pieces up to this many bytes in all are joined into one Buffer before they are
 * written to a writer other than Node's own: one write downstream instead of three (head, snippet, rest) lets
 * `compression()` compress the page in one pass, which costs less than the copy
 * (docs/performance.md, "The copy, and what removing it would take").
 */
const COALESCE_MAX_BYTES = 1024 * 1024;

/** True once a snippet middleware has taken this response. */
export function isAdapted(res: ServerResponse): boolean {
  return ADAPTED.has(res);
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
 * The wrappers are small closures over the response's state, each forwarding to one shared
 * function: nothing is keyed by the response that would outlive it (see {@link ADAPTED}).
 * @param conditionals the request's conditional headers, taken off it by the caller.
 */
export function adaptResponse(
  req: IncomingMessage,
  res: ServerResponse,
  hooks: AdapterHooks,
  conditionals: Conditionals | undefined,
): void {
  const flush = (res as { flush?: unknown }).flush;
  const state: AdapterState = {
    req,
    hooks,
    write: res.write as Method,
    end: res.end as Method,
    writeHead: res.writeHead as Method,
    setHeader: res.setHeader as Method,
    flush: typeof flush === 'function' ? (flush as Method) : undefined,
    flushHeaders: res.flushHeaders as Method,
    sharedFlushHeaders: false,
    stage: { kind: 'undecided', head: 'open' },
    conditionals,
    headHeldAsSent: false,
    header: undefined,
  };
  res.write = function write(this: ServerResponse, ...args: unknown[]): boolean {
    return adaptedWrite(this, state, args);
  } as ServerResponse['write'];
  res.end = function end(this: ServerResponse, ...args: unknown[]): ServerResponse {
    const ended = adaptedEnd(this, state, args);
    if (state.sharedFlushHeaders && state.stage.kind === 'done') ADAPTED.set(this, undefined);
    return ended;
  } as ServerResponse['end'];
  res.writeHead = function writeHead(this: ServerResponse, ...args: unknown[]): ServerResponse {
    return adaptedWriteHead(this, state, args);
  } as ServerResponse['writeHead'];
  installFlushHeaders(res, state);
  if (typeof flush === 'function') {
    (res as { flush?: unknown }).flush = function flush(this: ServerResponse): void {
      adaptedFlush(this, state);
    };
  }
  if (conditionals !== undefined) {
    res.setHeader = function setHeader(
      this: ServerResponse,
      name: string,
      value: unknown,
    ): ServerResponse {
      return adaptedSetHeader(this, state, name, value);
    } as ServerResponse['setHeader'];
  }
}

/**
 * The `flushHeaders` shared by every response of a prototype, by the prototype it is on: the
 * adapter's for an adapted response, the one it replaced for any other.
 */
const SHARED_FLUSH_HEADERS = new WeakMap<object, { shared: Method; forward: Method }>();

/**
 * Routes the response's `flushHeaders` through the adapter without adding it to the response
 * itself where it can: an own property that no earlier middleware set costs every response a
 * hidden class (1.5–2 KB; docs/performance.md). Express gives each response a prototype chain
 * of its own objects (`app.response`, then Express's `response`, then Node's): the adapter's
 * `flushHeaders` goes once on Express's `response` — the last of them, which a mounted
 * sub-app's responses share — and forwards to the inherited one for a response it did not
 * adapt. A response whose chain is Node's own (plain `node:http`, Connect), or that already
 * has its own `flushHeaders` (a middleware registered before wrapped it), gets the wrapper as
 * an own property, as before.
 */
function installFlushHeaders(res: ServerResponse, state: AdapterState): void {
  // `state.flushHeaders` is the response's own, read once by adaptResponse (each read of a new
  // name on a response misses V8's caches: its hidden class is its own), and kept below unless
  // the shared wrapper forwards elsewhere.
  const base = appResponseBase(res);
  if (base !== undefined && !Object.hasOwn(res, 'flushHeaders')) {
    let installed = SHARED_FLUSH_HEADERS.get(base);
    if (installed === undefined) {
      const forward = base.flushHeaders as Method;
      const shared = function flushHeaders(this: ServerResponse, ...args: unknown[]): unknown {
        const state = ADAPTED.get(this);
        return state ? adaptedFlushHeaders(this, state) : forward.apply(this, args);
      };
      installed = { shared, forward };
      SHARED_FLUSH_HEADERS.set(base, installed);
      Object.defineProperty(base, 'flushHeaders', {
        configurable: true,
        enumerable: false,
        writable: true,
        value: shared,
      });
    }
    if (res.flushHeaders === installed.shared) {
      state.flushHeaders = installed.forward;
      state.sharedFlushHeaders = true;
      ADAPTED.set(res, state);
      return;
    }
  }
  ADAPTED.set(res, undefined);
  res.flushHeaders = function flushHeaders(this: ServerResponse): void {
    adaptedFlushHeaders(this, state);
  };
}

/**
 * The last object of the response's prototype chain before Node's `ServerResponse.prototype`
 * (Express's `response`), or `undefined` when its prototype is Node's own.
 */
function appResponseBase(res: ServerResponse): Record<string, unknown> | undefined {
  let proto = Object.getPrototypeOf(res) as object | null;
  if (proto === ServerResponse.prototype || proto === null) return undefined;
  for (;;) {
    const next = Object.getPrototypeOf(proto) as object | null;
    if (next === ServerResponse.prototype) return proto as Record<string, unknown>;
    if (next === null) return undefined;
    proto = next;
  }
}

function toBuffer(chunk: Chunk, encoding: unknown): Buffer {
  if (typeof chunk === 'string') {
    return Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
  }
  return Buffer.isBuffer(chunk)
    ? chunk
    : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

/** Node's own `write`/`end`: what the response has when nothing below wraps them. */
const NODE_WRITE = ServerResponse.prototype.write as Method;
const NODE_END = ServerResponse.prototype.end as Method;

/**
 * The released pieces as they are handed on. To Node's own writer (nothing registered before
 * the middleware wraps `write`/`end`), views of the app's own bytes around the snippet, no
 * copy: written under `cork()`, they leave in one `writev`. To any other writer, one Buffer,
 * as the app wrote one: a compressor takes each write as one job, and one copy costs less
 * than three (docs/performance.md, "The copy, and what removing it would take"), and a
 * middleware that edits what it is handed (connect-livereload) sees the chunk the app wrote,
 * the snippet in it. Joined always for a body given whole to `end()` (so its framing is the
 * app's), and up to {@link COALESCE_MAX_BYTES} for held writes. A whole body without a
 * `Content-Length` is joined for Node too, so that Node frames it with its length, not chunks.
 */
function handedOn(
  res: ServerResponse,
  state: AdapterState,
  pieces: Buffer[],
  whole: boolean,
): Buffer[] {
  if (pieces.length < 2) return pieces;
  if (
    state.write === NODE_WRITE &&
    state.end === NODE_END &&
    (!whole || res.getHeader('content-length') !== undefined)
  ) {
    return pieces;
  }
  let total = 0;
  for (const piece of pieces) total += piece.length;
  return whole || total <= COALESCE_MAX_BYTES ? [Buffer.concat(pieces, total)] : pieces;
}

/**
 * Applies `writeHead`'s arguments to the response as Node's `writeHead` merges them with
 * headers set before: an object's fields with `setHeader`; a flat array's names removed, then
 * each pair appended, so repeated names (two `Set-Cookie`) all stay.
 */
function applyWriteHeadArgs(res: ServerResponse, args: readonly unknown[]): void {
  const [statusCode, reason, fields] = args;
  const headers = typeof reason === 'string' ? fields : reason;
  // Only a new status is stored: the first store makes `statusCode` an own property of the
  // response, which costs a hidden class of its own (docs/performance.md, "The per-page cost,
  // profiled and cut"); Node's `writeHead` stores it anyway when the headers leave.
  if (typeof statusCode === 'number' && res.statusCode !== statusCode) res.statusCode = statusCode;
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

/**
 * What `res._header` reads while the app's `writeHead` is held: any non-empty string tells
 * Node and the middlewares that check it that the headers are sent.
 */
const HELD_HEAD = 'HTTP/1.1 (head held by express-posthog until the body is known)\r\n\r\n';

/**
 * After the app's own `writeHead`, the response behaves to the app as committed while the
 * adapter still holds the headers (docs/snippet-internals.md, "The response adapter's
 * states"): `res.headersSent` is true, `setHeader`/`removeHeader` throw
 * `ERR_HTTP_HEADERS_SENT` as Node's do, an error thrown afterwards reaches Express as one
 * after the headers were sent (a hang-up, not an error page), and a middleware that checks
 * `res._header` (express-session, connect-livereload) sees what it would see without the
 * adapter. All of Node's checks read `_header`, so that is the one property shadowed, on this
 * response only, until the adapter hands the headers on ({@link handOnHead}).
 */
function commitToApp(res: ServerResponse, state: AdapterState): void {
  if (state.header === undefined) {
    state.header = (res as { _header?: unknown })._header ?? null;
    Object.defineProperty(res, '_header', {
      configurable: true,
      enumerable: false,
      get(): unknown {
        return state.headHeldAsSent ? HELD_HEAD : state.header;
      },
      set(value: unknown): void {
        state.header = value;
      },
    });
  }
  state.headHeldAsSent = true;
}

/** From here on the adapter makes the headers leave: Node must see them as not yet written. */
function handOnHead(state: AdapterState): void {
  state.headHeldAsSent = false;
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

/**
 * The one decision, at the first body bytes (or when the headers must leave first): asks the
 * middleware whether the response takes the snippet, and moves on to holding its first bytes
 * or passing them through. A `HEAD` has no body to see: its snippet is rendered at once, on
 * its final headers, which are those of the page the GET would give.
 */
function decide(res: ServerResponse, state: AdapterState, stage: Undecided): Stage {
  const appWroteHead = stage.head === 'written';
  if (!state.hooks.takesSnippet(state.req, res)) {
    toPassing(res, state, appWroteHead, 'unchanged', undefined);
  } else if (state.req.method === 'HEAD') {
    gatherHeaders(res, stage);
    const snippet = state.hooks.render(state.req, res);
    toPassing(res, state, appWroteHead, snippet ? 'unknown' : 'unchanged', snippet);
  } else {
    state.stage = {
      kind: 'holding',
      splicer: createSplicer({ maxBufferBytes: state.hooks.maxBufferBytes }),
      head: stage.head,
      wrote: false,
      callbacks: undefined,
      timer: undefined,
    };
  }
  return state.stage;
}

/**
 * The body passes through: headers the app wrote leave now, others when Node writes them
 * with the first bytes (so that `end(body)` keeps Node's own framing).
 */
function toPassing(
  res: ServerResponse,
  state: AdapterState,
  appWroteHead: boolean,
  change: BodyChange,
  snippet: RenderedSnippet | undefined,
): void {
  if (appWroteHead) sendHead(res, state, change, snippet, DONE);
  else state.stage = { kind: 'passing', change, snippet };
}

/**
 * Makes the headers final: runs `writeHead` through the wrappers of later middlewares (their
 * `on-headers` listeners), holding it at ours. Nothing to do once the app wrote them.
 */
function gatherHeaders(res: ServerResponse, stage: Undecided | Holding): void {
  if (stage.head !== 'open') return;
  stage.head = 'gathering';
  try {
    res.writeHead(res.statusCode);
  } catch (error) {
    stage.head = 'open';
    throw error;
  }
  stage.head = 'held';
}

/**
 * Applies the header edits for `change` and hands the headers on; the response moves to
 * `next` first, so a `writeHead` that throws is not retried.
 */
function sendHead(
  res: ServerResponse,
  state: AdapterState,
  change: BodyChange,
  snippet: RenderedSnippet | undefined,
  next: Stage,
): void {
  state.stage = next;
  handOnHead(state);
  if (change === 'unchanged' && state.conditionals === undefined) {
    // Nothing to edit: the common case of a response that is not a page.
    state.writeHead.call(res, res.statusCode);
    return;
  }
  const edits = planHeaders({
    method: state.req.method ?? 'GET',
    status: res.statusCode,
    headers: res,
    body: change,
    snippet: snippet?.bytes,
    carriesUser: snippet?.carriesUser ?? false,
    conditionals: state.conditionals,
  });
  for (const [name, value] of edits.set) res.setHeader(name, value);
  for (const name of edits.remove) res.removeHeader(name);
  if (edits.status !== undefined) res.statusCode = edits.status;
  state.writeHead.call(res, res.statusCode);
}

/**
 * The splicer has decided: renders the snippet (unless the headers already left with one),
 * moves the response on, and returns the held bytes to write, with the snippet in place.
 */
function release(
  res: ServerResponse,
  state: AdapterState,
  stage: Holding | HoldingAfterHeaders,
  whole: boolean,
): Buffer[] {
  handOnHead(state);
  if (stage.timer !== undefined) clearTimeout(stage.timer);
  const { splicer } = stage;
  const verdict = splicer.verdict;
  let snippet = stage.kind === 'holding-after-headers' ? stage.snippet : undefined;
  if (stage.kind === 'holding') {
    gatherHeaders(res, stage);
    snippet = verdict.kind === 'insert' ? state.hooks.render(state.req, res) : undefined;
  }
  if (verdict.kind === 'passthrough') state.hooks.passedThrough(state.req, verdict.reason);
  if (stage.kind === 'holding' && verdict.kind === 'insert' && snippet) {
    const length = lengthWithSnippet(res.getHeader('content-length'), snippet.bytes);
    if (length === null) res.removeHeader('content-length');
    else if (length !== undefined) state.setHeader.call(res, 'Content-Length', length);
  }
  const pieces = splicer.take(verdict.kind === 'insert' ? snippet?.bytes : undefined);
  if (stage.kind === 'holding') {
    toPassing(res, state, stage.head === 'written', snippet ? 'changed' : 'unchanged', snippet);
  } else {
    state.stage = DONE;
  }
  return handedOn(res, state, pieces, whole);
}

/** Writes released bytes; the held writes' callbacks ride on the last one. */
function writePieces(
  res: ServerResponse,
  state: AdapterState,
  pieces: Buffer[],
  pending: Callback[] | undefined,
): boolean {
  let ok = true;
  // Several pieces are views for one writev (see handedOn).
  const corked = pieces.length > 1;
  if (corked) res.cork();
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
  if (corked) res.uncork();
  if (pieces.length === 0 && pending) for (const callback of pending) process.nextTick(callback);
  return ok;
}

/** True while bytes are held. */
function isHolding(stage: Stage): stage is Holding | HoldingAfterHeaders {
  return stage.kind === 'holding' || stage.kind === 'holding-after-headers';
}

function adaptedWriteHead(
  res: ServerResponse,
  state: AdapterState,
  args: unknown[],
): ServerResponse {
  const stage = state.stage;
  switch (stage.kind) {
    case 'undecided':
    case 'holding':
      // Twice: Node's own error, as without the adapter (the head reads as sent).
      if (state.headHeldAsSent) return state.writeHead.apply(res, args) as ServerResponse;
      // The app's own call, or ours to run later middlewares' listeners: hold it.
      checkWriteHeadArgs(state, res, args);
      applyWriteHeadArgs(res, args);
      if (stage.head === 'open') {
        stage.head = 'written';
        commitToApp(res, state);
      }
      return res;
    case 'passing':
      // Node writes the headers with the first bytes: now they get their edits.
      applyWriteHeadArgs(res, args);
      sendHead(res, state, stage.change, stage.snippet, DONE);
      return res;
    default:
      return state.writeHead.apply(res, args) as ServerResponse;
  }
}

function adaptedWrite(res: ServerResponse, state: AdapterState, args: unknown[]): boolean {
  const stage = state.stage.kind === 'undecided' ? decide(res, state, state.stage) : state.stage;
  if (!isHolding(stage)) return state.write.apply(res, args) as boolean;
  const [chunk, encoding, callback] = args;
  const done = typeof encoding === 'function' ? encoding : callback;
  if (typeof done === 'function') {
    stage.callbacks ??= [];
    stage.callbacks.push(done as Callback);
  }
  stage.wrote = true;
  if (chunk === undefined || chunk === null) return true;
  if (!stage.splicer.push(toBuffer(chunk as Chunk, encoding))) {
    holdAtMost(res, state, stage);
    return true;
  }
  const pending = stage.callbacks;
  return writePieces(res, state, release(res, state, stage, false), pending);
}

function adaptedEnd(res: ServerResponse, state: AdapterState, args: unknown[]): ServerResponse {
  const stage = state.stage.kind === 'undecided' ? decide(res, state, state.stage) : state.stage;
  if (!isHolding(stage)) return state.end.apply(res, args) as ServerResponse;
  let [chunk, encoding, callback] = args;
  if (typeof chunk === 'function') [chunk, encoding, callback] = [undefined, undefined, chunk];
  if (typeof encoding === 'function') [encoding, callback] = [undefined, encoding];
  if (chunk !== undefined && chunk !== null) stage.splicer.push(toBuffer(chunk as Chunk, encoding));
  stage.splicer.end();
  // A body given whole to end() leaves whole, so its framing (Content-Length) is the app's.
  const pieces = release(res, state, stage, !stage.wrote);
  const last = pieces.pop();
  // Pieces before the last are views (see handedOn): they and end() leave in one writev
  // (Node's end() uncorks the socket; the uncork below balances a response without one yet).
  const corked = pieces.length > 0;
  if (corked) res.cork();
  writePieces(res, state, pieces, undefined);
  for (const done of stage.callbacks ?? []) res.once('finish', () => done());
  const tail = typeof callback === 'function' ? [callback] : [];
  const ended = (
    last ? state.end.call(res, last, ...tail) : state.end.call(res, ...tail)
  ) as ServerResponse;
  if (corked) res.uncork();
  return ended;
}

/** `res.flush()` (from `compression()`): the bytes held so far must leave now. */
function adaptedFlush(res: ServerResponse, state: AdapterState): void {
  const stage = state.stage;
  if (isHolding(stage)) releaseAsAtFlush(res, state, stage);
  state.flush?.call(res);
}

/** Decides the held bytes at the current position, as a `res.flush()` does, and writes them. */
function releaseAsAtFlush(
  res: ServerResponse,
  state: AdapterState,
  stage: Holding | HoldingAfterHeaders,
): void {
  stage.splicer.flush();
  const pending = stage.callbacks;
  writePieces(res, state, release(res, state, stage, false), pending);
}

/**
 * Held bytes never wait on the app: (re)arms the response's one timer, so that when the app
 * writes nothing more for `holdMs` — it awaits a slow query, or waits for the client before
 * writing more — the held bytes are decided as at a flush and go out. The timer does not keep
 * the process alive, and does nothing once the response is decided, ended or destroyed.
 */
function holdAtMost(
  res: ServerResponse,
  state: AdapterState,
  stage: Holding | HoldingAfterHeaders,
): void {
  if (stage.timer !== undefined) {
    stage.timer.refresh();
    return;
  }
  stage.timer = setTimeout(() => {
    const now = state.stage;
    if (!isHolding(now) || res.destroyed || res.writableEnded) return;
    try {
      releaseAsAtFlush(res, state, now);
    } catch (error) {
      // Nobody can catch a throw from a timer: it would end the process. The response ends.
      res.destroy(error instanceof Error ? error : new Error(String(error)));
    }
  }, state.hooks.holdMs);
  stage.timer.unref();
}

/**
 * `res.flushHeaders()`: the headers leave now, whatever the body holds. A page whose
 * insertion point is not known yet gets its snippet rendered now, and its header edits as
 * for a body that may have changed.
 */
function adaptedFlushHeaders(res: ServerResponse, state: AdapterState): void {
  let stage = state.stage;
  if (stage.kind === 'undecided') {
    gatherHeaders(res, stage);
    stage = decide(res, state, stage);
  }
  if (stage.kind === 'holding') {
    gatherHeaders(res, stage);
    const snippet = state.hooks.render(state.req, res);
    const { splicer, wrote, callbacks, timer } = stage;
    sendHead(res, state, snippet ? 'unknown' : 'unchanged', snippet, {
      kind: 'holding-after-headers',
      splicer,
      wrote,
      callbacks,
      timer,
      snippet,
    });
  } else if (stage.kind === 'passing') {
    sendHead(res, state, stage.change, stage.snippet, DONE);
  }
  state.flushHeaders.call(res);
}

/**
 * While the request's conditionals are held: a `Content-Type` that is not a page puts them
 * back, so the app answers its own 304s for assets and API responses as it would without us.
 */
function adaptedSetHeader(
  res: ServerResponse,
  state: AdapterState,
  name: string,
  value: unknown,
): ServerResponse {
  const conditionals = state.conditionals;
  if (
    conditionals !== undefined &&
    state.stage.kind === 'undecided' &&
    name.toLowerCase() === 'content-type' &&
    !isHtmlType(value)
  ) {
    restoreConditionals(state.req.headers, conditionals);
    state.conditionals = undefined;
  }
  return state.setHeader.call(res, name, value) as ServerResponse;
}
