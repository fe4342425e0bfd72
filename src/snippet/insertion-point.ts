/**
 * Where the browser snippet goes in an HTML byte stream (SPEC §4).
 *
 * An incremental tokenizer over bytes — never decoded text — that keeps O(1) state between
 * chunks, so a token split anywhere (`</he` + `ad>`, `<!-` + `-`, inside a multi-byte
 * character) gives the same answer as the whole body scanned at once.
 *
 * Rules, in order:
 * 1. The first real `</head>` wins: any case, and any end-tag delimiter after the name
 *    (`</head>`, `</head >`, `</HEAD\n>`, `</head foo>`); the snippet goes immediately before
 *    its `<`. "Real" means not inside a comment `<!-- -->`, a `<![CDATA[ ]]>` section, a
 *    bogus comment (`<!DOCTYPE …>`, `<?…>`), a tag's quoted attribute value, or the raw text
 *    of `<script>`, `<style>`, `<textarea>`, `<title>`, and — as a browser with scripting
 *    enabled parses them — `<noscript>`, `<iframe>`, `<noembed>`, `<noframes>`, `<xmp>`.
 * 2. If a `<body …>` open tag ends before any `</head>`, the snippet goes right after its `>`
 *    (`<body data-x="a>b">` is handled: quoted attribute values are skipped). A browser
 *    closes `<head>` when it meets `<body>`, so a later `</head>` would be ignored anyway;
 *    deciding at the body tag also lets a head-less page stream without being held.
 * 3. Neither (an htmx or Turbo partial): no insertion point, the body is left alone.
 *
 * Guard: a page that already holds {@link SNIPPET_MARKER_ATTRIBUTE} or `posthog.init(`
 * (case-sensitive, anywhere — inside scripts and comments included) is left alone, but only
 * when that text lies entirely before the insertion point. A streaming splicer cannot see
 * the bytes after the point without holding the whole page, and the one-shot path follows
 * the same rule so that a page gets the same bytes however it was sent.
 */

/**
 * The attribute carried by the snippet's `<script>` tag. A page whose bytes before the
 * insertion point contain it is not injected again.
 */
export const SNIPPET_MARKER_ATTRIBUTE = 'data-express-posthog';

/** The byte strings that, found before the insertion point, leave a page alone. */
export const GUARD_STRINGS: readonly string[] = Object.freeze([
  SNIPPET_MARKER_ATTRIBUTE,
  'posthog.init(',
]);

/** Which rule placed the insertion point: before `</head>`, or after the `<body>` tag. */
export type InsertionAnchor = 'head' | 'body';

/**
 * The scanner's answer. `offset` counts bytes from the start of the stream.
 * - `pending`: more bytes are needed;
 * - `insert`: put the snippet at `offset`;
 * - `guard`: the page already carries a snippet, leave it alone;
 * - `none`: the stream ended with no insertion point, leave it alone.
 */
export type InsertionDecision =
  | { readonly kind: 'pending' }
  | { readonly kind: 'insert'; readonly offset: number; readonly anchor: InsertionAnchor }
  | { readonly kind: 'guard' }
  | { readonly kind: 'none' };

const PENDING: InsertionDecision = Object.freeze({ kind: 'pending' });
const GUARD: InsertionDecision = Object.freeze({ kind: 'guard' });
const NONE: InsertionDecision = Object.freeze({ kind: 'none' });

// Bytes.
const LT = 0x3c; // <
const GT = 0x3e; // >
const SLASH = 0x2f; // /
const BANG = 0x21; // !
const QUESTION = 0x3f; // ?
const DASH = 0x2d; // -
const EQUALS = 0x3d; // =
const DQUOTE = 0x22; // "
const SQUOTE = 0x27; // '
const RBRACKET = 0x5d; // ]

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
const MARKUP_DECLARATION = 13; // after `<!`, matching `--` or `[CDATA[`
const COMMENT = 14;
const CDATA = 15;
const BOGUS_COMMENT = 16;
const RAW_TEXT = 17; // inside <script>, <style>, <title>, …
const RAW_TEXT_LT = 18; // raw text, after `<`
const RAW_TEXT_END_NAME = 19; // raw text, after `</`, matching the element's name

// Comment sub-states, after HTML's comment-start / comment-end states.
const COMMENT_START = 0; // just after `<!--`: `>` ends it (`<!-->`)
const COMMENT_START_DASH = 1; // `<!---`: `>` ends it
const COMMENT_TEXT = 2;
const COMMENT_DASH = 3; // one `-`
const COMMENT_END = 4; // `--`: `>` ends it
const COMMENT_END_BANG = 5; // `--!`: `>` ends it

const MAX_NAME = 8; // the longest tag name we compare: `textarea`, `noframes`, `noscript`

/** ASCII bytes of a lowercase name. */
function bytesOf(name: string): Uint8Array {
  return Uint8Array.from(name, (c) => c.charCodeAt(0));
}

const HEAD = bytesOf('head');
const BODY = bytesOf('body');
const RAW_TEXT_ELEMENTS: readonly Uint8Array[] = [
  'script',
  'style',
  'textarea',
  'title',
  'noscript',
  'iframe',
  'noembed',
  'noframes',
  'xmp',
].map(bytesOf);
const COMMENT_OPEN = bytesOf('--');
const CDATA_OPEN = bytesOf('[CDATA['); // case-sensitive, as in HTML

/** HTML's ASCII whitespace: tab, LF, FF, CR, space. */
function isSpace(b: number): boolean {
  return b === 0x20 || b === 0x0a || b === 0x09 || b === 0x0c || b === 0x0d;
}

/** True for a byte that ends a tag name: whitespace, `/` or `>`. */
function isNameEnd(b: number): boolean {
  return b === GT || b === SLASH || isSpace(b);
}

/** ASCII letters only. */
function isAsciiAlpha(b: number): boolean {
  return (b >= 0x61 && b <= 0x7a) || (b >= 0x41 && b <= 0x5a);
}

/** ASCII lowercase of one byte; other bytes unchanged. */
function toLower(b: number): number {
  return b >= 0x41 && b <= 0x5a ? b + 0x20 : b;
}

const typedArrayIndexOf = Uint8Array.prototype.indexOf;

/**
 * The index of `byte` in `bytes` from `from`, or -1. V8's typed-array `indexOf`, even on a
 * Buffer: `Buffer#indexOf` goes through a native binding whose call costs more than the
 * short searches between tags.
 */
function indexOfByte(bytes: Uint8Array, byte: number, from: number): number {
  return typedArrayIndexOf.call(bytes, byte, from);
}

/** A zero-copy Buffer view of bytes, for the native `indexOf` with a needle. */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
}

const NO_BYTES = Buffer.alloc(0);

const GUARD_NEEDLES: readonly Buffer[] = GUARD_STRINGS.map((s) => Buffer.from(s, 'latin1'));
const GUARD_SEAM = Math.max(...GUARD_NEEDLES.map((n) => n.length)) - 1;

/**
 * Finds the end of the first guard string in a stream, including one split across chunks,
 * keeping only the last few bytes seen.
 */
class GuardFinder {
  /** Absolute offset just past the first guard string found, if any. */
  firstEnd: number | undefined;
  private tail: Buffer = NO_BYTES;

  /**
   * Scans `chunk`, whose first byte is at absolute offset `base`. `last`: nothing will follow
   * (the insertion point was found), so no tail is kept for a seam.
   */
  scan(chunk: Uint8Array, base: number, last = false): void {
    if (this.firstEnd !== undefined || chunk.length === 0) return;
    const bytes = asBuffer(chunk);
    let best = this.tail.length > 0 ? this.scanSeam(bytes, base) : Number.POSITIVE_INFINITY;
    for (const needle of GUARD_NEEDLES) {
      const at = bytes.indexOf(needle);
      if (at !== -1) best = Math.min(best, base + at + needle.length);
    }
    if (best !== Number.POSITIVE_INFINITY) {
      this.firstEnd = best;
      return;
    }
    if (!last) this.tail = nextTail(this.tail, bytes);
  }

  /** Looks for a guard string that starts in the kept tail and ends in `bytes`. */
  private scanSeam(bytes: Buffer, base: number): number {
    const tail = this.tail;
    const window = Buffer.concat([tail, bytes.subarray(0, GUARD_SEAM)]);
    let best = Number.POSITIVE_INFINITY;
    for (const needle of GUARD_NEEDLES) {
      const at = window.indexOf(needle);
      if (at !== -1) best = Math.min(best, base - tail.length + at + needle.length);
    }
    return best;
  }
}

/** The last {@link GUARD_SEAM} bytes of `tail` followed by `bytes`, copied. */
function nextTail(tail: Buffer, bytes: Buffer): Buffer {
  if (bytes.length >= GUARD_SEAM) return Buffer.from(bytes.subarray(bytes.length - GUARD_SEAM));
  const joined = Buffer.concat([tail, bytes]);
  return joined.subarray(Math.max(0, joined.length - GUARD_SEAM));
}

/**
 * An incremental scanner for the snippet's insertion point in an HTML byte stream.
 *
 * Feed the body's bytes in order with {@link InsertionPointScanner.write}; each call returns
 * `pending` until the decision is known, then the same final decision forever. Call
 * {@link InsertionPointScanner.end} when the body ends. State between calls is a handful of
 * numbers plus a tail of at most 19 bytes: nothing already scanned is scanned again.
 *
 * @example
 * const scanner = new InsertionPointScanner();
 * scanner.write(Buffer.from('<html><head><title>x</ti')); // { kind: 'pending' }
 * scanner.write(Buffer.from('tle></HEAD >'));             // { kind: 'insert', offset: 28, anchor: 'head' }
 */
export class InsertionPointScanner {
  private decision: InsertionDecision = PENDING;
  private readonly guards = new GuardFinder();
  /** Absolute offset of the next byte to scan. */
  private position = 0;
  private state = DATA;
  /** Sub-state: comment stage, markup-declaration or raw-text-name match length, `]` count. */
  private stage = 0;
  /** Absolute offset of the `<` that opened the current tag. */
  private tagStart = 0;
  private isEndTag = false;
  private readonly name = new Uint8Array(MAX_NAME);
  private nameLength = 0;
  /** The raw-text element we are inside, whose end tag we are looking for. */
  private rawName: Uint8Array = HEAD;
  /** Which prefix a markup declaration is matching: `--` or `[CDATA[`. */
  private declaration: Uint8Array = COMMENT_OPEN;
  private found: { offset: number; anchor: InsertionAnchor } | undefined;

  /** Total bytes scanned so far. */
  get scanned(): number {
    return this.position;
  }

  /**
   * Scans the next bytes of the body.
   * @param chunk the bytes that follow everything written before; not retained.
   * @returns `pending`, or the final decision once it is known.
   */
  write(chunk: Uint8Array): InsertionDecision {
    if (this.decision.kind !== 'pending') return this.decision;
    const base = this.position;
    this.tokenize(chunk);
    // A guard counts only if it ends before the insertion point: once the point is found in
    // this chunk, the bytes after it need no guard search (most of a page, on every request).
    const guardBytes =
      this.found === undefined
        ? chunk.length
        : Math.max(0, Math.min(chunk.length, this.found.offset - base));
    this.guards.scan(
      guardBytes === chunk.length ? chunk : chunk.subarray(0, guardBytes),
      base,
      this.found !== undefined,
    );
    const guardEnd = this.guards.firstEnd;
    if (this.found !== undefined) {
      const { offset, anchor } = this.found;
      this.decision =
        guardEnd !== undefined && guardEnd <= offset ? GUARD : { kind: 'insert', offset, anchor };
    } else if (guardEnd !== undefined && guardEnd <= this.lowestPossibleOffset()) {
      this.decision = GUARD;
    }
    return this.decision;
  }

  /**
   * Ends the body. A tag still open at the end of the body is not a tag.
   * @returns the final decision: `insert` if one was already found, else `guard` or `none`.
   */
  end(): InsertionDecision {
    if (this.decision.kind === 'pending') {
      this.decision = this.guards.firstEnd !== undefined ? GUARD : NONE;
    }
    return this.decision;
  }

  /** No insertion point found later can lie before this offset. */
  private lowestPossibleOffset(): number {
    const inTag =
      this.state === TAG_OPEN ||
      this.state === END_TAG_OPEN ||
      (this.state === TAG_NAME && this.isEndTag);
    return inTag ? this.tagStart : this.position;
  }

  /** Runs the state machine over `chunk` until it ends or the insertion point is found. */
  private tokenize(chunk: Uint8Array): void {
    const base = this.position;
    const length = chunk.length;
    let i = 0;
    while (i < length && this.found === undefined) {
      i = this.step(chunk, i, base);
    }
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
        return this.skipTo(chunk, i, base, LT, TAG_OPEN);
      case RAW_TEXT:
        return this.skipTo(chunk, i, base, LT, RAW_TEXT_LT);
      case BOGUS_COMMENT:
        return this.skipTo(chunk, i, base, GT, DATA);
      case ATTR_VALUE_DQ:
        return this.skipTo(chunk, i, base, DQUOTE, AFTER_ATTR_VALUE_QUOTED);
      case ATTR_VALUE_SQ:
        return this.skipTo(chunk, i, base, SQUOTE, AFTER_ATTR_VALUE_QUOTED);
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
      default:
        return this.tagByte(chunk[i] as number, i, base);
    }
  }

  /** Jumps to the next `byte` (natively); consumes it and enters `next`. */
  private skipTo(chunk: Uint8Array, i: number, base: number, byte: number, next: number): number {
    const at = indexOfByte(chunk, byte, i);
    if (at === -1) return chunk.length;
    if (next === TAG_OPEN) this.tagStart = base + at;
    this.state = next;
    return at + 1;
  }

  /** Inside `<!-- … -->`; also ends at `--!>`, and at `<!-->` / `<!--->` as browsers do. */
  private comment(chunk: Uint8Array, i: number): number {
    if (this.stage === COMMENT_TEXT) {
      const at = indexOfByte(chunk, DASH, i);
      if (at === -1) return chunk.length;
      this.stage = COMMENT_DASH;
      return at + 1;
    }
    const b = chunk[i] as number;
    this.stage = nextCommentStage(this.stage, b);
    if (this.stage === -1) this.state = DATA;
    return i + 1;
  }

  /** Inside `<![CDATA[ … ]]>`; `stage` counts the `]` just seen. */
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

  /** One byte of markup: tag open, names, attributes, declarations, raw-text end tags. */
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
    this.state = b === QUESTION ? BOGUS_COMMENT : DATA;
    return b === QUESTION ? i + 1 : i;
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
    if (this.isEndTag && this.nameIs(HEAD)) {
      this.found = { offset: this.tagStart, anchor: 'head' };
      return i + 1;
    }
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
    if (this.isEndTag) return i + 1;
    if (this.nameIs(BODY)) {
      this.found = { offset: base + i + 1, anchor: 'body' };
      return i + 1;
    }
    for (const element of RAW_TEXT_ELEMENTS) {
      if (this.nameIs(element)) {
        this.state = RAW_TEXT;
        this.rawName = element;
        break;
      }
    }
    return i + 1;
  }

  /** True when the collected tag name equals `expected` (lowercase). */
  private nameIs(expected: Uint8Array): boolean {
    if (this.nameLength !== expected.length) return false;
    for (let k = 0; k < expected.length; k++) {
      if (this.name[k] !== expected[k]) return false;
    }
    return true;
  }

  /** After `<!`: `--` opens a comment, `[CDATA[` a CDATA section, anything else is bogus. */
  private markupDeclaration(b: number, i: number): number {
    if (this.stage === 0) {
      this.declaration = b === DASH ? COMMENT_OPEN : CDATA_OPEN;
    }
    if (b !== this.declaration[this.stage]) {
      this.state = BOGUS_COMMENT;
      return i; // reconsume: `<!>` ends right here
    }
    this.stage++;
    if (this.stage === this.declaration.length) {
      this.state = this.declaration === COMMENT_OPEN ? COMMENT : CDATA;
      this.stage = this.declaration === COMMENT_OPEN ? COMMENT_START : 0;
    }
    return i + 1;
  }

  /** Raw text after `</`: matching the open element's name, case-insensitively. */
  private rawTextEndName(b: number, i: number, base: number): number {
    const name = this.rawName;
    if (this.stage < name.length) {
      if (toLower(b) !== name[this.stage]) {
        this.state = RAW_TEXT;
        return i;
      }
      this.stage++;
      return i + 1;
    }
    if (!isNameEnd(b)) {
      this.state = RAW_TEXT;
      return i;
    }
    this.isEndTag = true;
    return this.afterName(b, i, base);
  }

  /** Attributes, after the tag name: only to find the `>` that really ends the tag. */
  private attributeByte(b: number, i: number, base: number): number {
    switch (this.state) {
      case BEFORE_ATTR_NAME:
        if (isSpace(b)) return i + 1;
        if (b === SLASH) return this.enter(SELF_CLOSING, i + 1);
        if (b === GT) return this.tagEnd(i, base);
        return this.enter(ATTR_NAME, i + 1); // a leading `=` is part of the name, as in HTML
      case AFTER_ATTR_NAME:
        if (isSpace(b)) return i + 1;
        if (b === SLASH) return this.enter(SELF_CLOSING, i + 1);
        if (b === EQUALS) return this.enter(BEFORE_ATTR_VALUE, i + 1);
        if (b === GT) return this.tagEnd(i, base);
        return this.enter(ATTR_NAME, i + 1);
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
        if (b === GT) return this.tagEnd(i, base);
        return this.enter(BEFORE_ATTR_NAME, i);
    }
  }

  /** An attribute name, up to whitespace, `/`, `=` or `>`. */
  private attributeName(chunk: Uint8Array, i: number, base: number): number {
    const length = chunk.length;
    let b = chunk[i] as number;
    while (b !== EQUALS && !isNameEnd(b)) {
      if (++i === length) return i;
      b = chunk[i] as number;
    }
    if (b === EQUALS) return this.enter(BEFORE_ATTR_VALUE, i + 1);
    if (b === GT) return this.tagEnd(i, base);
    return this.enter(b === SLASH ? SELF_CLOSING : AFTER_ATTR_NAME, i + 1);
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

/**
 * The comment sub-state after byte `b`, or -1 when `b` closes the comment.
 * Mirrors HTML's comment states: `-->` and `--!>` close it, and so do `<!-->` and `<!--->`.
 */
function nextCommentStage(stage: number, b: number): number {
  switch (stage) {
    case COMMENT_START:
      if (b === GT) return -1;
      return b === DASH ? COMMENT_START_DASH : COMMENT_TEXT;
    case COMMENT_START_DASH:
      if (b === GT) return -1;
      return b === DASH ? COMMENT_END : COMMENT_TEXT;
    case COMMENT_DASH:
      return b === DASH ? COMMENT_END : COMMENT_TEXT;
    case COMMENT_END:
      if (b === GT) return -1;
      if (b === BANG) return COMMENT_END_BANG;
      return b === DASH ? COMMENT_END : COMMENT_TEXT;
    default: // COMMENT_END_BANG
      if (b === GT) return -1;
      return b === DASH ? COMMENT_DASH : COMMENT_TEXT;
  }
}

/**
 * Finds the insertion point in a whole body, in one pass.
 * @param body the complete response body.
 * @returns `insert` with the byte offset, `guard`, or `none` — never `pending`.
 * @example
 * findInsertionPoint(Buffer.from('<head></head>')); // { kind: 'insert', offset: 6, anchor: 'head' }
 */
export function findInsertionPoint(body: Uint8Array): InsertionDecision {
  const scanner = new InsertionPointScanner();
  const decision = scanner.write(body);
  return decision.kind === 'pending' ? scanner.end() : decision;
}
