import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clip, clipPayload, payloadText } from '../../src/llm/clip.js';

describe('clip', () => {
  it('keeps text that fits, unchanged', () => {
    expect(clip('abcd', 4)).toBe('abcd');
    expect(clip('', 1)).toBe('');
  });

  it('keeps the first max characters and names how many were dropped', () => {
    expect(clip('abcdefghij', 4)).toBe('abcd…[truncated 6 chars]');
    expect(clip('abcdefghij', 9)).toBe('abcdefghi…[truncated 1 chars]');
  });

  it('never splits a surrogate pair: the cut moves one earlier and N counts it', () => {
    // '😀' is two UTF-16 units; a cut at 2 would split it.
    expect(clip('a😀bc', 2)).toBe('a…[truncated 4 chars]');
  });

  it('loses nothing: kept text plus N dropped characters make the original', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 200 }),
        fc.integer({ min: 1, max: 120 }),
        (text, max) => {
          const out = clip(text, max);
          if (text.length <= max) return out === text;
          const match = /…\[truncated (\d+) chars\]$/.exec(out);
          if (!match) return false;
          const kept = out.slice(0, match.index);
          return (
            text.startsWith(kept) &&
            kept.length <= max &&
            kept.length + Number(match[1]) === text.length &&
            !/[\ud800-\udbff]$/.test(kept)
          );
        },
      ),
    );
  });
});

describe('payloadText and clipPayload', () => {
  it('sends strings as they are and objects as JSON', () => {
    expect(payloadText('hi')).toBe('hi');
    expect(payloadText([{ role: 'user', content: 'hi' }])).toBe('[{"role":"user","content":"hi"}]');
  });

  it('survives values JSON cannot encode', () => {
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(payloadText(cycle)).toBe('[object Object]');
    expect(payloadText(10n)).toBe('10');
  });

  it('clips the JSON text', () => {
    expect(clipPayload({ a: 'xxxxxxxx' }, 5)).toBe('{"a":…[truncated 11 chars]');
  });
});
