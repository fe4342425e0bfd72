/**
 * Payload clipping for `$ai_generation` (docs/observability.md). Pure: no SDK, no Express.
 */

/**
 * The marker appended to a clipped payload; `N` is the number of characters dropped.
 *
 * @example
 * truncationMarker(6); // '…[truncated 6 chars]'
 */
export function truncationMarker(dropped: number): string {
  return `…[truncated ${dropped} chars]`;
}

/**
 * Keeps the first `max` characters of `text` and, when something was cut,
 * appends `…[truncated N chars]`, N being the number of characters dropped.
 * Characters are UTF-16 code units (JavaScript's `length`), except that a
 * surrogate pair is never split: the cut moves one unit earlier, and N counts it.
 *
 * @param text - the payload.
 * @param max - how many characters to keep; a positive integer.
 * @returns `text` unchanged when it fits, else the kept head plus the marker.
 * @example
 * clip('abcdefghij', 4); // 'abcd…[truncated 6 chars]'
 */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  let keep = Math.max(0, Math.floor(max));
  const last = text.charCodeAt(keep - 1);
  if (keep > 0 && last >= 0xd800 && last <= 0xdbff) keep -= 1;
  return text.slice(0, keep) + truncationMarker(text.length - keep);
}

/**
 * A payload as the text sent on the event: a string as it is, anything else
 * as JSON (a value JSON cannot encode, such as a cycle, as `String(value)`).
 *
 * @example
 * payloadText([{ role: 'user', content: 'hi' }]); // '[{"role":"user","content":"hi"}]'
 */
export function payloadText(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/**
 * {@link payloadText} then {@link clip}: what `$ai_input` and
 * `$ai_output_choices` carry when payloads are on.
 *
 * @example
 * clipPayload({ a: 'xxxxxxxx' }, 5); // '{"a":…[truncated 11 chars]'
 */
export function clipPayload(value: unknown, max: number): string {
  return clip(payloadText(value), max);
}
