/**
 * Where the browser snippet goes in an HTML byte stream (docs/observability.md, "Where the
 * snippet goes").
 *
 * On bytes, never decoded text, over the tokenizer of `html/tokenizer.ts`, which follows
 * HTML's rules for what is markup and what is text (comments, raw text, script escapes, CDATA).
 *
 * Rules, in order:
 * 1. The first real `</head>` wins (any case, any end-tag delimiter after the name): the
 *    snippet goes immediately before its `<`.
 * 2. If a `<body …>` open tag ends first, the snippet goes right after its `>`.
 * 3. A complete document that omits the optional tags — it starts (after a byte-order mark,
 *    whitespace and comments) with a doctype or `<html>` — gets it at the end of the body,
 *    right after its `<head …>` tag, else its `<html …>` tag, else its doctype.
 * 4. Anything else (an htmx or Turbo partial), and a body that starts with a UTF-16
 *    byte-order mark, is left alone.
 *
 * Guard: a page whose markup before the insertion point holds a `<script>` with the
 * {@link SNIPPET_MARKER_ATTRIBUTE} attribute, or `posthog.init(` in a script's text, is left
 * alone. The same text elsewhere (a title, an attribute value, body text) is not a guard.
 */

import { bytesOf, isSpace } from './html/bytes.js';
import { ScriptGuard } from './html/script-guard.js';
import { BODY, HEAD, HTML, HtmlTokenizer } from './html/tokenizer.js';

/**
 * The attribute carried by the snippet's `<script>` tag. A page whose markup before the
 * insertion point holds a script with it is not injected again.
 */
export const SNIPPET_MARKER_ATTRIBUTE = 'data-express-posthog';

/**
 * Which rule placed the insertion point: before `</head>`; after the `<body>` tag; for a
 * document without those tags, after its `<head>` tag, `<html>` tag or doctype; or at the
 * position where the app flushed.
 */
export type InsertionAnchor = 'head' | 'body' | 'head-start' | 'html' | 'doctype' | 'flush';

/**
 * The scanner's answer. `offset` counts bytes from the start of the stream.
 * - `pending`: more bytes are needed;
 * - `insert`: put the snippet at `offset`;
 * - `guard`: the page already carries a snippet, leave it alone;
 * - `none`: no insertion point (a fragment, or a flush at an unsafe place), leave it alone;
 * - `utf-16`: the body starts with a UTF-16 byte-order mark, leave it alone.
 */
export type InsertionDecision =
  | { readonly kind: 'pending' }
  | { readonly kind: 'insert'; readonly offset: number; readonly anchor: InsertionAnchor }
  | { readonly kind: 'guard' }
  | { readonly kind: 'none' }
  | { readonly kind: 'utf-16' };

const PENDING: InsertionDecision = Object.freeze({ kind: 'pending' });
const GUARD: InsertionDecision = Object.freeze({ kind: 'guard' });
const NONE: InsertionDecision = Object.freeze({ kind: 'none' });
const UTF_16: InsertionDecision = Object.freeze({ kind: 'utf-16' });

const MARKER = bytesOf(SNIPPET_MARKER_ATTRIBUTE);
const UTF8_BOM = [0xef, 0xbb, 0xbf];

/** A place the snippet could go, once the body has ended with nothing better. */
interface Fallback {
  readonly offset: number;
  readonly anchor: InsertionAnchor;
}

/**
 * An incremental scanner for the snippet's insertion point in an HTML byte stream.
 *
 * Feed the body's bytes in order with {@link InsertionPointScanner.write}; each call returns
 * `pending` until the decision is known, then the same final decision forever. Call
 * {@link InsertionPointScanner.end} when the body ends, or
 * {@link InsertionPointScanner.decideAtFlush} when the app flushes before a decision. State
 * between calls is a handful of numbers plus a tail of at most 12 bytes: nothing already
 * scanned is scanned again.
 *
 * @example
 * const scanner = new InsertionPointScanner();
 * scanner.write(Buffer.from('<html><head><title>x</ti')); // { kind: 'pending' }
 * scanner.write(Buffer.from('tle></HEAD >'));             // { kind: 'insert', offset: 28, anchor: 'head' }
 */
export class InsertionPointScanner extends HtmlTokenizer {
  private decision: InsertionDecision = PENDING;
  private readonly scriptGuard = new ScriptGuard();
  private markerFound = false;
  private found: { offset: number; anchor: InsertionAnchor } | undefined;
  /** Still reading the document's start: only a doctype, `<html>`, `<head>`, comments. */
  private prologOpen = true;
  private fallback: Fallback | undefined;
  /** A lone first byte that may start a UTF-16 byte-order mark, held for the next chunk. */
  private heldFirstByte: number | undefined;
  /** Text other than whitespace came after the last tag: no place to cut for a flush. */
  private inText = false;

  constructor() {
    super(MARKER);
  }

  /** Total bytes scanned so far. */
  get scanned(): number {
    return this.position + (this.heldFirstByte === undefined ? 0 : 1);
  }

  /**
   * Scans the next bytes of the body.
   * @param chunk the bytes that follow everything written before; not retained.
   * @returns `pending`, or the final decision once it is known.
   */
  write(chunk: Uint8Array): InsertionDecision {
    if (this.decision.kind !== 'pending' || chunk.length === 0) return this.decision;
    if (this.position === 0 && !this.checkByteOrderMark(chunk)) return this.decision;
    this.tokenize(chunk);
    if (this.markerFound || this.scriptGuard.found) this.decision = GUARD;
    else if (this.found !== undefined) this.decision = { kind: 'insert', ...this.found };
    return this.decision;
  }

  /**
   * Ends the body. A tag still open at the end of the body is not a tag.
   * @returns the final decision: `insert` if one was found (a complete document without
   * `</head>` and `<body>` gets its fallback), else `none`.
   */
  end(): InsertionDecision {
    if (this.heldFirstByte !== undefined) this.tokenize(Uint8Array.of(this.takeHeldByte()));
    if (this.decision.kind === 'pending') {
      this.decision = this.fallback ? { kind: 'insert', ...this.fallback } : NONE;
    }
    return this.decision;
  }

  /**
   * The app flushed before a decision: the bytes so far must leave now. The snippet goes at
   * the current position when that is a safe place in a complete document's head — after a
   * tag (and whitespace), outside comments, raw text, text and SVG/MathML — else the page is
   * left alone (`none`).
   * @returns the final decision.
   */
  decideAtFlush(): InsertionDecision {
    if (this.decision.kind !== 'pending') return this.decision;
    const safe =
      this.heldFirstByte === undefined &&
      this.betweenTags &&
      !this.inText &&
      this.fallback !== undefined;
    this.decision = safe ? { kind: 'insert', offset: this.position, anchor: 'flush' } : NONE;
    return this.decision;
  }

  protected stopped(): boolean {
    return this.found !== undefined || this.markerFound;
  }

  /** Text at the document's start ends the prolog, unless it is whitespace or a BOM. */
  protected onText(chunk: Uint8Array, from: number, to: number, base: number): void {
    if (isBlank(chunk, from, to, base)) return;
    this.prologOpen = false;
    this.inText = true;
  }

  protected onDoctype(after: number): void {
    this.inText = false;
    if (this.prologOpen && this.fallback === undefined) {
      this.fallback = { offset: after, anchor: 'doctype' };
    }
  }

  /** The first real `</head>` is the insertion point. */
  protected onEndTagName(tagStart: number): boolean {
    if (!this.nameIs(HEAD)) return false;
    this.found = { offset: tagStart, anchor: 'head' };
    return true;
  }

  protected onEndTag(): void {
    this.inText = false;
    this.prologOpen = false;
  }

  /** `<body …>` is the insertion point (after it); `<html>` and `<head>` move the fallback. */
  protected onStartTag(after: number, foreign: boolean): boolean {
    this.inText = false;
    if (!foreign && this.nameIs(BODY)) {
      this.found = { offset: after, anchor: 'body' };
      return true;
    }
    if (!this.prologOpen) return false;
    const anchor = this.fallback?.anchor;
    if (!foreign && this.nameIs(HTML) && (anchor === undefined || anchor === 'doctype')) {
      this.fallback = { offset: after, anchor: 'html' };
    } else if (!foreign && this.nameIs(HEAD) && anchor !== undefined && anchor !== 'head-start') {
      this.fallback = { offset: after, anchor: 'head-start' };
    } else {
      this.prologOpen = false;
    }
    return false;
  }

  protected onScriptText(chunk: Uint8Array, from: number, to: number): void {
    if (from === 0 || to > from) this.scriptGuard.scan(chunk, from, to);
  }

  protected onScriptAttribute(): void {
    this.markerFound = true;
  }

  /**
   * At the start of the body: false when it starts with a UTF-16 byte-order mark (decided) or
   * with a lone byte that may start one (held for the next chunk).
   */
  private checkByteOrderMark(chunk: Uint8Array): boolean {
    const first = this.heldFirstByte ?? (chunk[0] as number);
    const second = this.heldFirstByte === undefined ? chunk[1] : chunk[0];
    if (first !== 0xfe && first !== 0xff) return true;
    if (second === undefined) {
      this.heldFirstByte = first;
      return false;
    }
    if ((first === 0xfe && second === 0xff) || (first === 0xff && second === 0xfe)) {
      this.heldFirstByte = undefined;
      this.decision = UTF_16;
      return false;
    }
    if (this.heldFirstByte !== undefined) this.tokenize(Uint8Array.of(this.takeHeldByte()));
    return true;
  }

  private takeHeldByte(): number {
    const byte = this.heldFirstByte as number;
    this.heldFirstByte = undefined;
    return byte;
  }
}

/** True when `chunk[from, to)` is whitespace only (a UTF-8 byte-order mark at the start counts). */
function isBlank(chunk: Uint8Array, from: number, to: number, base: number): boolean {
  for (let k = from; k < to; k++) {
    const b = chunk[k] as number;
    const offset = base + k;
    if (!isSpace(b) && !(offset < 3 && b === UTF8_BOM[offset])) return false;
  }
  return true;
}
