import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createEventGate, type EventGate } from '../../../src/core/redact/event-gate.js';
import { createUrlRedaction, type UrlRedaction } from '../../../src/core/redact/url-redaction.js';

/**
 * The redaction ships to browsers without regular-expression lookbehind (Safari before 16.4),
 * so its two rules that needed one — a token starts a word, a pair's name starts after a
 * separator — match the character before instead. Here each is compared with the lookbehind
 * form it replaced: the very source of the functions, with only that pattern put back.
 */

/** The source of `fn` with `from` replaced by `to` (which must occur exactly once), compiled. */
function withPattern<F>(fn: F, swaps: readonly (readonly [string, string])[]): F {
  let source = String(fn);
  for (const [from, to] of swaps) {
    expect(source.split(from).length, `"${from}" occurs once in the source`).toBe(2);
    source = source.replace(from, () => to);
  }
  return new Function(`return (${source});`)() as F;
}

// The lookbehind forms, with an empty group where the matched character now is, so the rest
// of the code (group numbers, `match.index + match[0].length`) reads them alike.
const lookbehindUrl = withPattern(createUrlRedaction, [
  ['(^|[^A-Za-z0-9])(?:', '(?<![A-Za-z0-9])()(?:'],
]) as () => UrlRedaction;
const lookbehindGate = withPattern(createEventGate, [
  ['/(^|[?&#;,\\s\'"({[/:+-])(', '/(?<=^|[?&#;,\\s\'"({[/:+-])()('],
]);

const url = createUrlRedaction();
const gate: EventGate = createEventGate(url);
const oldUrl = lookbehindUrl();
const oldGate: EventGate = lookbehindGate(oldUrl);

/** Texts made of the pieces the two rules look at: separators, names, `=`, tokens. */
const pieces = fc.constantFrom(
  '?',
  '&',
  '#',
  ';',
  ',',
  ' ',
  "'",
  '"',
  '(',
  '{',
  '[',
  ']',
  '/',
  ':',
  '+',
  '=',
  '%3D',
  '-',
  '_',
  '.',
  'a',
  'Z',
  '9',
  'x1',
  'token',
  'api_key',
  'code',
  'page',
  'q',
  'next',
  'abc123',
  'ghp_',
  'sk-',
  'phc_',
  'AKIA',
  'ABCDEFGHIJKLMNOP',
  'eyJabcdefghij',
  'hvs.',
  'abcdef',
  'xox',
  'b-',
  '[redacted]',
  'https://',
  'u:p@',
  'h.example',
);
const texts = fc.array(pieces, { maxLength: 24 }).map((parts) => parts.join(''));

describe('the redaction without lookbehind', () => {
  it('redacts token values exactly as the lookbehind form did', () => {
    fc.assert(
      fc.property(texts, (text) => {
        expect(url.redactTokenValues(text)).toBe(oldUrl.redactTokenValues(text));
      }),
      { numRuns: 3000 },
    );
  });

  it('redacts every string exactly as the lookbehind form did', () => {
    fc.assert(
      fc.property(texts, (text) => {
        expect(gate.redactString(text)).toBe(oldGate.redactString(text));
      }),
      { numRuns: 3000 },
    );
  });

  it('still redacts a token at the start, after a separator, and not inside a word', () => {
    const token = 'ghp_abcdef123456';
    expect(url.redactTokenValues(token)).toBe('[redacted]');
    expect(url.redactTokenValues(`k=${token}&x=1`)).toBe('k=[redacted]&x=1');
    expect(url.redactTokenValues(`x${token}`)).toBe(`x${token}`);
    expect(gate.redactString('token=abc&page=2')).toBe('token=[redacted]&page=2');
    expect(gate.redactString('/cb?page=2&code=abc')).toBe('/cb?page=2&code=[redacted]');
    expect(gate.redactString('xcode=abc')).toBe('xcode=abc');
  });
});
