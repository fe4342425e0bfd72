/**
 * Where the browser snippet goes in an HTML byte stream (docs/observability.md, "Where the
 * snippet goes").
 *
 * An incremental tokenizer over bytes — never decoded text — that keeps O(1) state between
 * chunks, so a token split anywhere (`</he` + `ad>`, `<!-` + `-`, inside a multi-byte
 * character) gives the same answer as the whole body scanned at once. It follows the parts of
 * HTML's tokenizer that decide what is markup: comments; doctypes and bogus comments; quoted
 * attribute values; the raw text of `<script>` (with its escaped and double-escaped states),
 * `<style>`, `<textarea>`, `<title>` and — as a browser with scripting enabled parses them —
 * `<noscript>`, `<iframe>`, `<noembed>`, `<noframes>`, `<xmp>`, and `<plaintext>`; and
 * `<![CDATA[`, a section only inside SVG or MathML and a bogus comment everywhere else.
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

import {
  asBuffer,
  BANG,
  bytesOf,
  DASH,
  DQUOTE,
  EQUALS,
  GT,
  indexOfByte,
  isAsciiAlpha,
  isNameEnd,
  isSpace,
  LBRACKET,
  LT,
  QUESTION,
  RBRACKET,
  SLASH,
  SQUOTE,
  toLower,
} from './html/bytes.js';
import { AFTER_TEXT_DASH, COMMENT_START, COMMENT_TEXT, nextCommentStage } from './html/comment.js';
import { END_TAG, RECONSUME, ScriptData } from './html/script-data.js';
import { POSTHOG_INIT_CALL, ScriptGuard } from './html/script-guard.js';

/**
 * The attribute carried by the snippet's `<script>` tag. A page whose markup before the
 * insertion point holds a script with it is not injected again.
 */
export const SNIPPET_MARKER_ATTRIBUTE = 'data-express-posthog';

/** The markers that, found in markup before the insertion point, leave a page alone. */
export const GUARD_STRINGS: readonly string[] = Object.freeze([
  SNIPPET_MARKER_ATTRIBUTE,
  POSTHOG_INIT_CALL,
]);

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

// Tokenizer states (numbers, not strings: this runs per byte).
const DATA = 0;
const TAG_OPEN = 1; // after `<`
const END_TAG_OPEN = 2; // after `</`
const TAG_NAME = 3; // start or end tag name
const BEFORE_ATTR_NAME = 4;
const ATTR_NAME = 5;
const AFTER_ATTR_NAME = 6;
const BEFORE_ATTR_VALUE = 7;
const ATTR_VALUE_DQ = 8;
const ATTR_VALUE_SQ = 9;
const ATTR_VALUE_UNQUOTED = 10;
const AFTER_ATTR_VALUE_QUOTED = 11;
const SELF_CLOSING = 12;
const MARKUP_DECLARATION = 13; // after `<!`, matching `--`, `doctype` or `[CDATA[`
const COMMENT = 14;
const CDATA = 15;
const BOGUS_COMMENT = 16;
const DOCTYPE = 17;
const RAW_TEXT = 18; // inside <style>, <title>, <textarea>, …
const RAW_TEXT_LT = 19; // raw text, after `<`
const RAW_TEXT_END_NAME = 20; // raw text, after `</`, matching the element's name
const SCRIPT_TEXT = 21; // inside <script>: see ScriptData
const PLAINTEXT = 22; // after <plaintext>: text to the end

const MAX_NAME = 10; // the longest tag name compared: `blockquote`

const HEAD = bytesOf('head');
const BODY = bytesOf('body');
const HTML = bytesOf('html');
const SCRIPT = bytesOf('script');
const PLAINTEXT_NAME = bytesOf('plaintext');
const RAW_TEXT_ELEMENTS: readonly Uint8Array[] = [
  'style',
  'textarea',
  'title',
  'noscript',
  'iframe',
  'noembed',
  'noframes',
  'xmp',
].map(bytesOf);
const FOREIGN_ROOTS: readonly Uint8Array[] = ['svg', 'math'].map(bytesOf);
/** Start tags that end SVG or MathML content and return to HTML, as HTML's tree builder does. */
const FOREIGN_BREAKOUT = new Set(
  (
    'b big blockquote body br center code dd div dl dt em embed h1 h2 h3 h4 h5 h6 head hr i ' +
    'img li listing menu meta nobr ol p pre ruby s small span strong strike sub sup table tt u ' +
    'ul var'
  ).split(' '),
);
const COMMENT_OPEN = bytesOf('--');
const DOCTYPE_OPEN = bytesOf('doctype'); // matched case-insensitively
const CDATA_OPEN = bytesOf('[CDATA['); // case-sensitive, as in HTML
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
export class InsertionPointScanner {
  private decision: InsertionDecision = PENDING;
  /** Absolute offset of the next byte to scan. */
  private position = 0;
  private state = DATA;
  /** Sub-state: comment stage, declaration or raw-text-name match length, `]` count. */
  private stage = 0;
  private isEndTag = false;
  private selfClosing = false;
  private readonly name = new Uint8Array(MAX_NAME);
  private nameLength = 0;
  /** The raw-text element we are inside, whose end tag we are looking for. */
  private rawName: Uint8Array = HEAD;
  /** Which prefix a markup declaration is matching. */
  private declaration: Uint8Array = COMMENT_OPEN;
  /** Open SVG/MathML elements: inside them there is no raw text and CDATA is a section. */
  private foreignDepth = 0;
  /** The current start tag is `<script`: its attribute names are checked for the marker. */
  private inScriptTag = false;
  /** Bytes of the marker matched by the current attribute name; -1 once it differs. */
  private markerMatched = 0;
  private readonly script = new ScriptData();
  private readonly scriptGuard = new ScriptGuard();
  /** Index in the current chunk where script text began, or -1 outside a script. */
  private scriptFrom = -1;
  private markerFound = false;
  private found: { offset: number; anchor: InsertionAnchor } | undefined;
  /** Still reading the document's start: only a doctype, `<html>`, `<head>`, comments. */
  private prologOpen = true;
  private fallback: Fallback | undefined;
  /** A lone first byte that may start a UTF-16 byte-order mark, held for the next chunk. */
  private heldFirstByte: number | undefined;

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
   * the current position when that is a safe place in a complete document's head — between
   * tags, outside comments, raw text and SVG/MathML — else the page is left alone (`none`).
   * @returns the final decision.
   */
  decideAtFlush(): InsertionDecision {
    if (this.decision.kind !== 'pending') return this.decision;
    const safe =
      this.heldFirstByte === undefined &&
      this.state === DATA &&
      this.foreignDepth === 0 &&
      this.fallback !== undefined;
    this.decision = safe ? { kind: 'insert', offset: this.position, anchor: 'flush' } : NONE;
    return this.decision;
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

  /** Runs the state machine over `chunk` until it ends, a guard or the insertion point. */
  private tokenize(chunk: Uint8Array): void {
    const base = this.position;
    const length = chunk.length;
    this.scriptFrom = this.state === SCRIPT_TEXT ? 0 : -1;
    let i = 0;
    while (i < length && this.found === undefined && !this.markerFound) {
      i = this.step(chunk, i, base);
    }
    if (this.scriptFrom !== -1) this.scriptGuard.scan(chunk, this.scriptFrom, i);
    this.position = base + i;
  }

  /**
   * Consumes bytes from `chunk[i]` on in the current state.
   * @returns the index of the next byte to consume (equal to `i` to reconsume it in a new
   * state).
   */
  private step(chunk: Uint8Array, i: number, base: number): number {
    switch (this.state) {
      case DATA:
        return this.data(chunk, i, base);
      case SCRIPT_TEXT:
        return this.scriptText(chunk, i, base);
      case RAW_TEXT:
        return this.skipTo(chunk, i, LT, RAW_TEXT_LT);
      case BOGUS_COMMENT:
        return this.skipTo(chunk, i, GT, DATA);
      case DOCTYPE:
        return this.doctype(chunk, i, base);
      case ATTR_VALUE_DQ:
        return this.skipTo(chunk, i, DQUOTE, AFTER_ATTR_VALUE_QUOTED);
      case ATTR_VALUE_SQ:
        return this.skipTo(chunk, i, SQUOTE, AFTER_ATTR_VALUE_QUOTED);
      case COMMENT:
        return this.comment(chunk, i);
      case CDATA:
        return this.cdata(chunk, i);
      case TAG_NAME:
        return this.tagName(chunk, i, base);
      case ATTR_NAME:
        return this.attributeName(chunk, i, base);
      case ATTR_VALUE_UNQUOTED:
        return this.unquotedValue(chunk, i, base);
      case PLAINTEXT:
        return chunk.length;
      default:
        return this.tagByte(chunk[i] as number, i, base);
    }
  }

  /** Jumps to the next `byte` (natively); consumes it and enters `next`. */
  private skipTo(chunk: Uint8Array, i: number, byte: number, next: number): number {
    const at = indexOfByte(chunk, byte, i);
    if (at === -1) return chunk.length;
    this.state = next;
    return at + 1;
  }

  /** Text between tags: jumps to the next `<`; at the document's start, text ends the prolog. */
  private data(chunk: Uint8Array, i: number, base: number): number {
    const at = indexOfByte(chunk, LT, i);
    const end = at === -1 ? chunk.length : at;
    if (this.prologOpen && !isBlank(chunk, i, end, base)) this.prologOpen = false;
    if (at === -1) return end;
    this.state = TAG_OPEN;
    return at + 1;
  }

  /** Inside `<script>`: plain script data natively to `<`, the escape states byte by byte. */
  private scriptText(chunk: Uint8Array, i: number, base: number): number {
    const length = chunk.length;
    while (i < length) {
      if (this.script.plain) {
        const at = indexOfByte(chunk, LT, i);
        if (at === -1) return length;
        i = at;
      }
      const action = this.script.step(chunk[i] as number);
      if (action === END_TAG) {
        this.scriptGuard.scan(chunk, this.scriptFrom, i);
        this.scriptFrom = -1;
        this.isEndTag = true;
        this.inScriptTag = false;
        this.nameLength = 0;
        return this.afterName(chunk[i] as number, i, base);
      }
      if (action !== RECONSUME) i++;
    }
    return i;
  }

  /** After `<!DOCTYPE`: to the `>` that ends it. */
  private doctype(chunk: Uint8Array, i: number, base: number): number {
    const at = indexOfByte(chunk, GT, i);
    if (at === -1) return chunk.length;
    this.state = DATA;
    if (this.prologOpen && this.fallback === undefined) {
      this.fallback = { offset: base + at + 1, anchor: 'doctype' };
    }
    return at + 1;
  }

  /** Inside `<!-- … -->`. */
  private comment(chunk: Uint8Array, i: number): number {
    if (this.stage === COMMENT_TEXT) {
      const at = indexOfByte(chunk, DASH, i);
      if (at === -1) return chunk.length;
      this.stage = AFTER_TEXT_DASH;
      return at + 1;
    }
    this.stage = nextCommentStage(this.stage, chunk[i] as number);
    if (this.stage === -1) this.state = DATA;
    return i + 1;
  }

  /** Inside `<![CDATA[ … ]]>` (SVG and MathML only); `stage` counts the `]` just seen. */
  private cdata(chunk: Uint8Array, i: number): number {
    if (this.stage === 0) {
      const at = indexOfByte(chunk, RBRACKET, i);
      if (at === -1) return chunk.length;
      this.stage = 1;
      return at + 1;
    }
    const b = chunk[i] as number;
    if (b === RBRACKET) this.stage = 2;
    else if (b === GT && this.stage === 2) this.state = DATA;
    else this.stage = 0;
    return i + 1;
  }

  /** One byte of markup: tag open, declarations, raw-text end tags, attributes. */
  private tagByte(b: number, i: number, base: number): number {
    switch (this.state) {
      case TAG_OPEN:
        return this.tagOpen(b, i);
      case END_TAG_OPEN:
        return this.endTagOpen(b, i);
      case MARKUP_DECLARATION:
        return this.markupDeclaration(b, i);
      case RAW_TEXT_LT:
        this.state = b === SLASH ? RAW_TEXT_END_NAME : RAW_TEXT;
        this.stage = 0;
        return b === SLASH ? i + 1 : i;
      case RAW_TEXT_END_NAME:
        return this.rawTextEndName(b, i, base);
      default:
        return this.attributeByte(b, i, base);
    }
  }

  /** After `<`. */
  private tagOpen(b: number, i: number): number {
    if (b === BANG) {
      this.state = MARKUP_DECLARATION;
      this.stage = 0;
      return i + 1;
    }
    if (b === SLASH) {
      this.state = END_TAG_OPEN;
      return i + 1;
    }
    if (isAsciiAlpha(b)) {
      this.beginName(false);
      return i;
    }
    // `<?xml …?>` is a bogus comment; a `<` followed by anything else is text.
    if (b === QUESTION) {
      this.state = BOGUS_COMMENT;
      return i + 1;
    }
    this.prologOpen = false;
    this.state = DATA;
    return i;
  }

  /** After `</`. */
  private endTagOpen(b: number, i: number): number {
    if (isAsciiAlpha(b)) {
      this.beginName(true);
      return i;
    }
    // `</>` is dropped; anything else opens a bogus comment, as in HTML.
    this.state = b === GT ? DATA : BOGUS_COMMENT;
    return i + 1;
  }

  /** Starts collecting a tag name. */
  private beginName(isEndTag: boolean): void {
    this.state = TAG_NAME;
    this.isEndTag = isEndTag;
    this.selfClosing = false;
    this.nameLength = 0;
  }

  /** A tag name byte, or the delimiter that ends the name. */
  private tagName(chunk: Uint8Array, i: number, base: number): number {
    const length = chunk.length;
    let b = chunk[i] as number;
    while (!isNameEnd(b)) {
      if (this.nameLength < MAX_NAME) this.name[this.nameLength] = toLower(b);
      this.nameLength++;
      if (++i === length) return i;
      b = chunk[i] as number;
    }
    if (this.isEndTag && this.foreignDepth === 0 && this.nameIs(HEAD)) {
      // The `<` of `</head`: the tag started `nameLength + 2` bytes before the delimiter.
      this.found = { offset: base + i - this.nameLength - 2, anchor: 'head' };
      return i + 1;
    }
    this.inScriptTag = !this.isEndTag && this.nameIs(SCRIPT);
    return this.afterName(b, i, base);
  }

  /** The delimiter after a tag name: whitespace, `/` or `>`. */
  private afterName(b: number, i: number, base: number): number {
    if (b === GT) return this.tagEnd(i, base);
    this.state = b === SLASH ? SELF_CLOSING : BEFORE_ATTR_NAME;
    return i + 1;
  }

  /** The `>` that ends a tag, at `chunk[i]`. */
  private tagEnd(i: number, base: number): number {
    this.state = DATA;
    const after = base + i + 1;
    if (this.isEndTag) {
      this.prologOpen = false;
      if (this.foreignDepth > 0 && this.isForeignRoot()) this.foreignDepth--;
      return i + 1;
    }
    if (this.foreignDepth > 0) {
      if (!FOREIGN_BREAKOUT.has(this.nameText())) {
        if (this.isForeignRoot() && !this.selfClosing) this.foreignDepth++;
        this.prologOpen = false;
        return i + 1;
      }
      this.foreignDepth = 0;
    }
    if (this.nameIs(BODY)) {
      this.found = { offset: after, anchor: 'body' };
      return i + 1;
    }
    this.updateProlog(after);
    if (this.isForeignRoot()) {
      if (!this.selfClosing) this.foreignDepth = 1;
    } else if (this.inScriptTag) {
      this.state = SCRIPT_TEXT;
      this.script.reset();
      this.scriptGuard.begin();
      this.scriptFrom = i + 1;
    } else if (this.nameIs(PLAINTEXT_NAME)) {
      this.state = PLAINTEXT;
    } else {
      for (const element of RAW_TEXT_ELEMENTS) {
        if (this.nameIs(element)) {
          this.state = RAW_TEXT;
          this.rawName = element;
          break;
        }
      }
    }
    return i + 1;
  }

  /** A start tag at the document's start: `<html>` and `<head>` move the fallback. */
  private updateProlog(after: number): void {
    if (!this.prologOpen) return;
    const anchor = this.fallback?.anchor;
    if (this.nameIs(HTML) && (anchor === undefined || anchor === 'doctype')) {
      this.fallback = { offset: after, anchor: 'html' };
    } else if (this.nameIs(HEAD) && anchor !== undefined && anchor !== 'head-start') {
      this.fallback = { offset: after, anchor: 'head-start' };
    } else {
      this.prologOpen = false;
    }
  }

  /** True when the collected tag name equals `expected` (lowercase). */
  private nameIs(expected: Uint8Array): boolean {
    if (this.nameLength !== expected.length) return false;
    for (let k = 0; k < expected.length; k++) {
      if (this.name[k] !== expected[k]) return false;
    }
    return true;
  }

  private isForeignRoot(): boolean {
    return FOREIGN_ROOTS.some((root) => this.nameIs(root));
  }

  /** The collected tag name as text (only for the rare checks inside SVG or MathML). */
  private nameText(): string {
    if (this.nameLength > MAX_NAME) return '';
    return String.fromCharCode(...this.name.subarray(0, this.nameLength));
  }

  /**
   * After `<!`: `--` opens a comment, `doctype` (any case) a doctype, `[CDATA[` a section in
   * SVG or MathML; anything else, `<![CDATA[` in HTML content included, is a bogus comment.
   */
  private markupDeclaration(b: number, i: number): number {
    if (this.stage === 0) {
      if (b === DASH) this.declaration = COMMENT_OPEN;
      else if (b === LBRACKET && this.foreignDepth > 0) this.declaration = CDATA_OPEN;
      else if (toLower(b) === DOCTYPE_OPEN[0]) this.declaration = DOCTYPE_OPEN;
      else return this.enter(BOGUS_COMMENT, i); // reconsume: `<!>` ends right here
    }
    const expected = this.declaration[this.stage];
    const matches = this.declaration === DOCTYPE_OPEN ? toLower(b) === expected : b === expected;
    if (!matches) return this.enter(BOGUS_COMMENT, i);
    this.stage++;
    if (this.stage === this.declaration.length) {
      if (this.declaration === COMMENT_OPEN) {
        this.state = COMMENT;
        this.stage = COMMENT_START;
      } else {
        this.state = this.declaration === DOCTYPE_OPEN ? DOCTYPE : CDATA;
        this.stage = 0;
      }
    }
    return i + 1;
  }

  /** Raw text after `</`: matching the open element's name, case-insensitively. */
  private rawTextEndName(b: number, i: number, base: number): number {
    const name = this.rawName;
    if (this.stage < name.length) {
      if (toLower(b) !== name[this.stage]) return this.enter(RAW_TEXT, i);
      this.stage++;
      return i + 1;
    }
    if (!isNameEnd(b)) return this.enter(RAW_TEXT, i);
    this.isEndTag = true;
    this.nameLength = 0;
    return this.afterName(b, i, base);
  }

  /** Attributes, after the tag name: to find the `>` that really ends the tag. */
  private attributeByte(b: number, i: number, base: number): number {
    switch (this.state) {
      case BEFORE_ATTR_NAME:
        if (isSpace(b)) return i + 1;
        if (b === SLASH) return this.enter(SELF_CLOSING, i + 1);
        if (b === GT) return this.tagEnd(i, base);
        return this.beginAttributeName(b, i);
      case AFTER_ATTR_NAME:
        if (isSpace(b)) return i + 1;
        if (b === SLASH) return this.enter(SELF_CLOSING, i + 1);
        if (b === EQUALS) return this.enter(BEFORE_ATTR_VALUE, i + 1);
        if (b === GT) return this.tagEnd(i, base);
        return this.beginAttributeName(b, i);
      case BEFORE_ATTR_VALUE:
        if (isSpace(b)) return i + 1;
        if (b === DQUOTE) return this.enter(ATTR_VALUE_DQ, i + 1);
        if (b === SQUOTE) return this.enter(ATTR_VALUE_SQ, i + 1);
        if (b === GT) return this.tagEnd(i, base);
        return this.enter(ATTR_VALUE_UNQUOTED, i + 1);
      case AFTER_ATTR_VALUE_QUOTED:
        if (isSpace(b)) return this.enter(BEFORE_ATTR_NAME, i + 1);
        if (b === SLASH) return this.enter(SELF_CLOSING, i + 1);
        if (b === GT) return this.tagEnd(i, base);
        return this.enter(BEFORE_ATTR_NAME, i);
      default: // SELF_CLOSING
        if (b === GT) {
          this.selfClosing = true;
          return this.tagEnd(i, base);
        }
        return this.enter(BEFORE_ATTR_NAME, i);
    }
  }

  /** The first byte of an attribute name, at `chunk[i]` (a leading `=` is part of it). */
  private beginAttributeName(b: number, i: number): number {
    this.markerMatched = 0;
    if (this.inScriptTag) this.matchMarker(b);
    return this.enter(ATTR_NAME, i + 1);
  }

  /** An attribute name, up to whitespace, `/`, `=` or `>`; a script's names meet the marker. */
  private attributeName(chunk: Uint8Array, i: number, base: number): number {
    const length = chunk.length;
    let b = chunk[i] as number;
    while (b !== EQUALS && !isNameEnd(b)) {
      if (this.inScriptTag) this.matchMarker(b);
      if (++i === length) return i;
      b = chunk[i] as number;
    }
    if (this.inScriptTag && this.markerMatched === MARKER.length) this.markerFound = true;
    if (b === EQUALS) return this.enter(BEFORE_ATTR_VALUE, i + 1);
    if (b === GT) return this.tagEnd(i, base);
    return this.enter(b === SLASH ? SELF_CLOSING : AFTER_ATTR_NAME, i + 1);
  }

  /** One more byte of a script's attribute name against the marker. */
  private matchMarker(b: number): void {
    if (this.markerMatched === -1) return;
    this.markerMatched =
      this.markerMatched < MARKER.length && toLower(b) === MARKER[this.markerMatched]
        ? this.markerMatched + 1
        : -1;
  }

  /** An unquoted attribute value, up to whitespace or `>`. */
  private unquotedValue(chunk: Uint8Array, i: number, base: number): number {
    const length = chunk.length;
    let b = chunk[i] as number;
    while (b !== GT && !isSpace(b)) {
      if (++i === length) return i;
      b = chunk[i] as number;
    }
    if (b === GT) return this.tagEnd(i, base);
    return this.enter(BEFORE_ATTR_NAME, i + 1);
  }

  /** Switches state; returns `next` for the caller's convenience. */
  private enter(state: number, next: number): number {
    this.state = state;
    return next;
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

/**
 * Finds the insertion point in a whole body, in one pass.
 * @param body the complete response body.
 * @returns the final decision — never `pending`.
 * @example
 * findInsertionPoint(Buffer.from('<head></head>')); // { kind: 'insert', offset: 6, anchor: 'head' }
 */
export function findInsertionPoint(body: Uint8Array): InsertionDecision {
  const scanner = new InsertionPointScanner();
  const decision = scanner.write(asBuffer(body));
  return decision.kind === 'pending' ? scanner.end() : decision;
}
