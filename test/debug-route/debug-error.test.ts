import { describe, expect, it } from 'vitest';
import {
  DEBUG_ERROR_KINDS,
  DEFAULT_DEBUG_MESSAGE,
  debugError,
  MAX_DEBUG_MESSAGE_CHARS,
} from '../../src/debug-route/index.js';

describe('debugError', () => {
  it.each<[string, ErrorConstructor]>([
    ['Error', Error],
    ['TypeError', TypeError],
    ['RangeError', RangeError],
    ['ReferenceError', ReferenceError],
    ['SyntaxError', SyntaxError],
    ['RuntimeError', Error],
    ['ValueError', RangeError],
    ['KeyError', ReferenceError],
    ['ZeroDivisionError', RangeError],
  ])('makes %s an instance of %o named after the kind', (kind, base) => {
    const error = debugError(kind, 'm');
    expect(error).toBeInstanceOf(base);
    expect(error.name).toBe(kind);
    expect(error.message).toBe('m');
    expect(error.stack?.split('\n')[0]).toBe(`${kind}: m`);
    expect(Object.keys(error)).toEqual([]);
  });

  it.each([
    'Bogus',
    'typeerror',
    'constructor',
    '__proto__',
    'toString',
    '',
    undefined,
    ['TypeError'],
  ])('falls back to Error for kind %j', (kind) => {
    const error = debugError(kind, 'm');
    expect(error.constructor).toBe(Error);
    expect(error.name).toBe('Error');
  });

  it('allows exactly the nine kinds the debug route documents', () => {
    expect([...DEBUG_ERROR_KINDS.keys()].sort()).toEqual(
      [
        'Error',
        'KeyError',
        'RangeError',
        'ReferenceError',
        'RuntimeError',
        'SyntaxError',
        'TypeError',
        'ValueError',
        'ZeroDivisionError',
      ].sort(),
    );
  });

  it('uses the default message when msg is absent, empty or not a string', () => {
    for (const msg of [undefined, '', 42, ['a']]) {
      expect(debugError('Error', msg).message).toBe(DEFAULT_DEBUG_MESSAGE);
    }
    expect(DEFAULT_DEBUG_MESSAGE).toBe('intentional debug throw');
  });

  it('clips the message at 1,000 characters without splitting a character', () => {
    expect(MAX_DEBUG_MESSAGE_CHARS).toBe(1_000);
    expect(debugError('Error', 'x'.repeat(1_000)).message).toBe('x'.repeat(1_000));
    expect(debugError('Error', 'x'.repeat(1_001)).message).toBe('x'.repeat(1_000));
    const emoji = debugError('Error', '😀'.repeat(1_200)).message;
    expect(Array.from(emoji)).toHaveLength(1_000);
    expect(emoji).toBe('😀'.repeat(1_000));
  });
});
