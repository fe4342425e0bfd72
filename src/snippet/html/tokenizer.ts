/**
 * An incremental HTML tokenizer over bytes (docs/observability.md, "Where the snippet goes"):
 * the parts of HTML's tokenizer that decide what is markup and what is text — comments;
 * doctypes and bogus comments (`<?xml …?>`, `<!x>`); quoted attribute values; the raw text of
 * `<script>` (with its escaped and double-escaped states), `<style>`, `<textarea>`, `<title>`
 * and — as a browser with scripting enabled parses them — `<noscript>`, `<iframe>`,
 * `<noembed>`, `<noframes>`, `<xmp>`, and `<plaintext>`; `<![CDATA[`, a section only inside
 * SVG or MathML and a bogus comment everywhere else. It keeps O(1) state between chunks, so a
 * token split anywhere gives the same result as the whole body at once.
 *
 * It reports what it meets to a subclass through the `on…` hooks; the rules of where the
 * snippet goes are the subclass's (`insertion-point.ts`).
 */

import {
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
} from './bytes.js';
import { AFTER_TEXT_DASH, COMMENT_START, COMMENT_TEXT, nextCommentStage } from './comment.js';
import { END_TAG, RECONSUME, ScriptData } from './script-data.js';

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

/** A `<` that opens no tag: text. */
const STRAY_LT = Uint8Array.of(LT);

/** Bytes of a tag name, for {@link HtmlTokenizer.nameIs}. */
export const HEAD = bytesOf('head');
export const BODY = bytesOf('body');
export const HTML = bytesOf('html');

/**
 * The tokenizer. Feed it with {@link HtmlTokenizer.tokenize}; it calls the hooks as it meets
 * text, tags and script text, and stops at the end of the chunk or when {@link stopped} is true.
 */
export abstract class HtmlTokenizer {
  /** Absolute offset of the next byte to tokenize. */
  protected position = 0;
  private state = DATA;
  /** Sub-state: comment stage, declaration or raw-text-name match length, `]` count. */
  private stage = 0;
  /** The tag being read is an end tag. */
  protected isEndTag = false;
  private selfClosing = false;
  private readonly name = new Uint8Array(MAX_NAME);
  private nameLength = 0;
  /** The raw-text element we are inside, whose end tag we are looking for. */
  private rawName: Uint8Array = HEAD;
  /** Which prefix a markup declaration is matching. */
  private declaration: Uint8Array = COMMENT_OPEN;
  /** Open SVG/MathML elements: inside them there is no raw text and CDATA is a section. */
  private foreignDepth = 0;
  /** The current start tag is `<script`: its attribute names are checked. */
  private inScriptTag = false;
  /** Bytes of {@link scriptAttribute} matched by the current attribute name; -1 once it differs. */
  private markerMatched = 0;
  private readonly script = new ScriptData();
  /** Index in the current chunk where script text began, or -1 outside a script. */
  private scriptFrom = -1;

  /** @param scriptAttribute a `<script>` attribute name (lowercase) to report when met. */
  constructor(private readonly scriptAttribute: Uint8Array) {}

  /** Between tags in HTML content: outside tags, comments, raw text, SVG and MathML. */
  protected get betweenTags(): boolean {
    return this.state === DATA && this.foreignDepth === 0;
  }

  /** True to stop tokenizing (the subclass has decided). */
  protected abstract stopped(): boolean;
  /** Text between tags, `chunk[from, to)`; a stray `<` is text too. */
  protected abstract onText(chunk: Uint8Array, from: number, to: number, base: number): void;
  /** A doctype ended; `after` is the offset just past its `>`. */
  protected abstract onDoctype(after: number): void;
  /** An end tag's name is complete in HTML content; return true to stop there. */
  protected abstract onEndTagName(tagStart: number): boolean;
  /** An end tag ended. */
  protected abstract onEndTag(): void;
  /**
   * A start tag ended at `after`, before its raw text (if any) begins; `foreign` inside SVG or
   * MathML. Return true to stop there.
   */
  protected abstract onStartTag(after: number, foreign: boolean): boolean;
  /** Script text, `chunk[from, to)`, continuing the text reported before for this script. */
  protected abstract onScriptText(chunk: Uint8Array, from: number, to: number): void;
  /** The current `<script>` tag has the attribute given to the constructor. */
  protected abstract onScriptAttribute(): void;

  /** Runs the state machine over `chunk` until it ends or {@link stopped} says so. */
  protected tokenize(chunk: Uint8Array): void {
    const base = this.position;
    const length = chunk.length;
    this.scriptFrom = this.state === SCRIPT_TEXT ? 0 : -1;
    let i = 0;
    while (i < length && !this.stopped()) {
      i = this.step(chunk, i, base);
    }
    if (this.scriptFrom !== -1) this.onScriptText(chunk, this.scriptFrom, i);
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
        return this.jumpTo(chunk, i, LT, RAW_TEXT_LT);
      case BOGUS_COMMENT:
        return this.jumpTo(chunk, i, GT, DATA);
      case DOCTYPE:
        return this.doctype(chunk, i, base);
      case ATTR_VALUE_DQ:
        return this.jumpTo(chunk, i, DQUOTE, AFTER_ATTR_VALUE_QUOTED);
      case ATTR_VALUE_SQ:
        return this.jumpTo(chunk, i, SQUOTE, AFTER_ATTR_VALUE_QUOTED);
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
  private jumpTo(chunk: Uint8Array, i: number, byte: number, next: number): number {
    const at = indexOfByte(chunk, byte, i);
    if (at === -1) return chunk.length;
    this.state = next;
    return at + 1;
  }

  /** Text between tags: jumps to the next `<`. */
  private data(chunk: Uint8Array, i: number, base: number): number {
    const at = indexOfByte(chunk, LT, i);
    const end = at === -1 ? chunk.length : at;
    if (end > i) this.onText(chunk, i, end, base);
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
        this.onScriptText(chunk, this.scriptFrom, i);
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
    this.onDoctype(base + at + 1);
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
        return this.tagOpen(b, i, base);
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
  private tagOpen(b: number, i: number, base: number): number {
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
    this.onText(STRAY_LT, 0, 1, base + i - 1);
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
    // The `<` of `</name`: the tag started `nameLength + 2` bytes before the delimiter.
    if (
      this.isEndTag &&
      this.foreignDepth === 0 &&
      this.onEndTagName(base + i - this.nameLength - 2)
    ) {
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
      this.onEndTag();
      if (this.foreignDepth > 0 && this.isForeignRoot()) this.foreignDepth--;
      return i + 1;
    }
    if (this.foreignDepth > 0) {
      if (!FOREIGN_BREAKOUT.has(this.nameText())) {
        if (this.isForeignRoot() && !this.selfClosing) this.foreignDepth++;
        this.onStartTag(after, true);
        return i + 1;
      }
      this.foreignDepth = 0;
    }
    if (this.onStartTag(after, false)) return i + 1;
    if (this.isForeignRoot()) {
      if (!this.selfClosing) this.foreignDepth = 1;
    } else if (this.inScriptTag) {
      this.state = SCRIPT_TEXT;
      this.script.reset();
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

  /** True when the collected tag name equals `expected` (lowercase). */
  protected nameIs(expected: Uint8Array): boolean {
    if (this.nameLength !== expected.length) return false;
    for (let k = 0; k < expected.length; k++) {
      if (this.name[k] !== expected[k]) return false;
    }
    return true;
  }

  private isForeignRoot(): boolean {
    // A loop, not `some()` with a closure: asked at every start tag.
    for (const root of FOREIGN_ROOTS) if (this.nameIs(root)) return true;
    return false;
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
    if (this.inScriptTag && this.markerMatched === this.scriptAttribute.length) {
      this.onScriptAttribute();
    }
    if (b === EQUALS) return this.enter(BEFORE_ATTR_VALUE, i + 1);
    if (b === GT) return this.tagEnd(i, base);
    return this.enter(b === SLASH ? SELF_CLOSING : AFTER_ATTR_NAME, i + 1);
  }

  /** One more byte of a script's attribute name against the marker. */
  private matchMarker(b: number): void {
    if (this.markerMatched === -1) return;
    this.markerMatched =
      this.markerMatched < this.scriptAttribute.length &&
      toLower(b) === this.scriptAttribute[this.markerMatched]
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
