/**
 * The package's one HTML escaper and one JSON-in-script encoder, for the snippet, the error
 * page and the inspector (docs/observability.md, "What the snippet does in the browser"):
 * pure ASCII out, so that the bytes are the same in every ASCII-compatible charset and no
 * value can close the `<script>`, the element or the attribute it sits in.
 */

/** `<`, `>`, `&`, and every UTF-16 code unit outside ASCII (U+2028, U+2029, surrogates…). */
const SCRIPT_UNSAFE = /[<>&\u0080-\uffff]/g;

/** `\uXXXX` for one UTF-16 code unit. */
function unicodeEscape(unit: string): string {
  return `\\u${unit.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/**
 * JSON-encodes a value for a JavaScript context inside `<script>`: `JSON.stringify`, then
 * `<`, `>`, `&`, U+2028, U+2029 and every non-ASCII character as `\uXXXX` (a character
 * outside the BMP as its two surrogate escapes). The result is pure ASCII, valid JSON and
 * valid JavaScript, and `JSON.parse` gives the value back; a user named
 * `</script><script>alert(1)</script>` stays inert text.
 *
 * Escapes can only occur inside JSON strings, where all of these characters can only be, so
 * the escaping never changes the value.
 * @param value any JSON-serialisable value. `undefined` (or a function, or a symbol), which
 * `JSON.stringify` does not encode, gives `null`, so that the snippet stays valid script.
 * @returns the ASCII-only encoding.
 * @throws {TypeError} as `JSON.stringify` does, for a BigInt or a cycle.
 * @example
 * jsonForScript({ name: '</script>é' }); // {"name":"\u003c/script\u003e\u00e9"}
 */
export function jsonForScript(value: unknown): string {
  const json: string | undefined = JSON.stringify(value);
  if (json === undefined) return 'null';
  return json.replace(SCRIPT_UNSAFE, unicodeEscape);
}

/** The characters that can end or alter an HTML attribute value, and all of non-ASCII. */
const ATTRIBUTE_UNSAFE = /[&<>"']|[\ud800-\udbff][\udc00-\udfff]|[\u0080-\uffff]/g;

const ATTRIBUTE_ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** An HTML character reference for one character (or a surrogate pair). */
function attributeEntity(match: string): string {
  const named = ATTRIBUTE_ENTITIES[match];
  if (named !== undefined) return named;
  const codePoint = match.codePointAt(0) ?? 0xfffd;
  const isLoneSurrogate = codePoint >= 0xd800 && codePoint <= 0xdfff;
  return `&#x${(isLoneSurrogate ? 0xfffd : codePoint).toString(16)};`;
}

/**
 * Escapes a string for HTML text or an attribute value quoted with `"` or `'` — the CSP
 * nonce of the snippet, the message and stack of the error page: `&`, `<`, `>`, `"`, `'` as
 * character references, every non-ASCII character as `&#xHEX;` (a lone surrogate, which HTML
 * cannot carry, as U+FFFD). The result is pure ASCII, so it means the same in any
 * ASCII-compatible charset the page declares.
 * @param value the raw text.
 * @returns the escaped text, to put in an element or between quotes.
 * @example
 * escapeHtml('a"b<c'); // a&quot;b&lt;c
 * escapeHtml('<a href="x">'); // '&lt;a href=&quot;x&quot;&gt;'
 */
export function escapeHtml(value: string): string {
  return value.replace(ATTRIBUTE_UNSAFE, attributeEntity);
}
