import { describe, expect, it } from 'vitest';
import { toCapturable } from '../../../src/core/errors/capturable.js';

const trap = () => {
  throw new Error('trap');
};

describe('toCapturable', () => {
  it('keeps a readable error and a string as they are', () => {
    const error = new TypeError('bad');
    expect(toCapturable(error)).toBe(error);
    expect(toCapturable('a plain string')).toBe('a plain string');
  });

  it('names what was thrown, key names and never values, as the thrower says', () => {
    expect(toCapturable(null, 'main')).toMatchObject({
      name: 'ThrownValue',
      message: 'main threw null',
    });
    expect(toCapturable({ password: 'hunter2', user: 'u' })).toMatchObject({
      name: 'ThrownValue',
      message: 'the app threw an object with keys password, user',
    });
    expect((toCapturable(42) as Error).message).toBe('the app threw a number: 42');
  });

  // The client's own check made an `UnreadableError`, runCli's a `ThrownValue`, for the same
  // revoked Proxy or hostile getter: one form now, whoever captures it.
  it('gives a hostile value the same ThrownValue form for every caller', () => {
    const { proxy, revoke } = Proxy.revocable(new Error('gone'), {});
    revoke();
    const getter = Object.defineProperty(new Error('disk full'), 'code', { get: trap });
    expect(toCapturable(proxy)).toMatchObject({
      name: 'ThrownValue',
      message: 'the app threw a Proxy',
    });
    const substitute = toCapturable(getter) as Error;
    expect(substitute.name).toBe('ThrownValue');
    expect(substitute.message).toBe(
      'the app threw Error whose properties throw when read: disk full',
    );
    expect(substitute.stack).toBe(getter.stack);
  });
});
