/**
 * The raw text of a `<script>` element, as HTML's tokenizer reads it: the script data
 * states, with the escaped (`<!--`) and double-escaped (`<!--<script>`) states. In the
 * double-escaped state a `</script>` does not end the element; in the escaped state it does.
 * A tokenizer that ends a script at every `</script>` would put the snippet inside the page's
 * own script (docs/observability.md, "Where the snippet goes").
 */

import { DASH, GT, isAsciiAlpha, isNameEnd, LT, SLASH, toLower } from './bytes.js';

const SCRIPT = Uint8Array.from('script', (c) => c.charCodeAt(0));

// States, after the HTML standard's names.
const DATA = 0;
const LESS_THAN = 1;
const END_TAG_NAME = 2;
const ESCAPE_START = 3;
const ESCAPE_START_DASH = 4;
const ESCAPED = 5;
const ESCAPED_DASH = 6;
const ESCAPED_DASH_DASH = 7;
const ESCAPED_LESS_THAN = 8;
const ESCAPED_END_TAG_NAME = 9;
const DOUBLE_ESCAPE_START = 10;
const DOUBLE_ESCAPED = 11;
const DOUBLE_ESCAPED_DASH = 12;
const DOUBLE_ESCAPED_DASH_DASH = 13;
const DOUBLE_ESCAPED_LESS_THAN = 14;
const DOUBLE_ESCAPE_END = 15;

const BANG = 0x21;

/** What {@link ScriptData.step} did with a byte. */
export const CONSUMED = 0;
/** The byte must be read again, in the state just entered. */
export const RECONSUME = 1;
/** `</script` is complete: the byte is the delimiter after the name, for the tag's own states. */
export const END_TAG = 2;

/**
 * The script data states of one `<script>` element. {@link ScriptData.step} takes one byte;
 * {@link ScriptData.plain} says when the tokenizer may jump to the next `<` natively.
 */
export class ScriptData {
  private state = DATA;
  /** Bytes of `script` matched so far in an end tag or a double-escape name. */
  private matched = 0;
  /** The name being matched has stopped being `script`. */
  private mismatch = false;

  /** Starts a new script element. */
  reset(): void {
    this.state = DATA;
    this.matched = 0;
    this.mismatch = false;
  }

  /** In plain script data, where only `<` changes anything. */
  get plain(): boolean {
    return this.state === DATA;
  }

  /**
   * Takes one byte of script text.
   * @returns {@link CONSUMED}, {@link RECONSUME} or {@link END_TAG}.
   */
  step(b: number): number {
    switch (this.state) {
      case DATA:
        if (b === LT) this.state = LESS_THAN;
        return CONSUMED;
      case LESS_THAN:
        if (b === SLASH) return this.beginName(END_TAG_NAME);
        if (b === BANG) return this.enter(ESCAPE_START);
        return this.reenter(DATA);
      case END_TAG_NAME:
        return this.endTagName(b, DATA);
      case ESCAPE_START:
        return b === DASH ? this.enter(ESCAPE_START_DASH) : this.reenter(DATA);
      case ESCAPE_START_DASH:
        return b === DASH ? this.enter(ESCAPED_DASH_DASH) : this.reenter(DATA);
      case ESCAPED:
      case ESCAPED_DASH:
      case ESCAPED_DASH_DASH:
        return this.escaped(b, ESCAPED, ESCAPED_DASH, ESCAPED_DASH_DASH, ESCAPED_LESS_THAN);
      case ESCAPED_LESS_THAN:
        if (b === SLASH) return this.beginName(ESCAPED_END_TAG_NAME);
        if (isAsciiAlpha(b)) {
          this.beginName(DOUBLE_ESCAPE_START);
          return RECONSUME;
        }
        return this.reenter(ESCAPED);
      case ESCAPED_END_TAG_NAME:
        return this.endTagName(b, ESCAPED);
      case DOUBLE_ESCAPE_START:
        return this.doubleEscapeName(b, DOUBLE_ESCAPED, ESCAPED);
      case DOUBLE_ESCAPED:
      case DOUBLE_ESCAPED_DASH:
      case DOUBLE_ESCAPED_DASH_DASH:
        return this.escaped(
          b,
          DOUBLE_ESCAPED,
          DOUBLE_ESCAPED_DASH,
          DOUBLE_ESCAPED_DASH_DASH,
          DOUBLE_ESCAPED_LESS_THAN,
        );
      case DOUBLE_ESCAPED_LESS_THAN:
        return b === SLASH ? this.beginName(DOUBLE_ESCAPE_END) : this.reenter(DOUBLE_ESCAPED);
      default: // DOUBLE_ESCAPE_END
        return this.doubleEscapeName(b, ESCAPED, DOUBLE_ESCAPED);
    }
  }

  /** The escaped and double-escaped text states, which differ only in where `<` leads. */
  private escaped(b: number, text: number, dash: number, dashDash: number, lt: number): number {
    if (b === DASH) this.state = this.state === text ? dash : dashDash;
    else if (b === LT) this.state = lt;
    else if (b === GT && this.state === dashDash) this.state = DATA;
    else this.state = text;
    return CONSUMED;
  }

  /** `</` followed by a name: `script` and a delimiter end the element. */
  private endTagName(b: number, otherwise: number): number {
    if (this.matched < SCRIPT.length) {
      if (toLower(b) !== SCRIPT[this.matched]) return this.reenter(otherwise);
      this.matched++;
      return CONSUMED;
    }
    if (isNameEnd(b)) return END_TAG;
    return this.reenter(otherwise);
  }

  /** The name after `<` (or `</`) in an escaped state: `script` toggles double escaping. */
  private doubleEscapeName(b: number, ifScript: number, otherwise: number): number {
    if (isNameEnd(b)) {
      this.state = this.matched === SCRIPT.length && !this.mismatch ? ifScript : otherwise;
      return CONSUMED;
    }
    if (!isAsciiAlpha(b)) return this.reenter(otherwise);
    if (this.matched < SCRIPT.length && toLower(b) === SCRIPT[this.matched]) this.matched++;
    else this.mismatch = true;
    return CONSUMED;
  }

  private beginName(state: number): number {
    this.state = state;
    this.matched = 0;
    this.mismatch = false;
    return CONSUMED;
  }

  private enter(state: number): number {
    this.state = state;
    return CONSUMED;
  }

  private reenter(state: number): number {
    this.state = state;
    return RECONSUME;
  }
}
