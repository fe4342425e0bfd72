import { describe, expect, it } from 'vitest';
import { describeError } from '../../../src/core/errors/describe-error.js';

describe('describeError', () => {
  it('names an error, with the message of the error it wraps', () => {
    expect(describeError(new TypeError('bad'))).toBe('TypeError: bad');
    const wrapped = Object.assign(new Error('Network error'), { error: new Error('ECONNREFUSED') });
    expect(describeError(wrapped)).toBe('Error: Network error: ECONNREFUSED');
    expect(describeError('plain')).toBe('plain');
    expect(describeError(undefined)).toBe('undefined');
  });

  it('never throws, whatever was thrown', () => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    const getter = Object.defineProperty(new Error('x'), 'message', {
      get() {
        throw new Error('no');
      },
    });
    const noString = {
      toString: () => {
        throw new Error('no');
      },
    };
    expect(describeError(proxy)).toBe('an unreadable object');
    expect(describeError(getter)).toBe('an unreadable object');
    expect(describeError(noString)).toBe('an unreadable object');
    expect(describeError(Object.create(null))).toBe('an unreadable object');
  });
});
