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
    expect(describeError(noString)).toBe('{ toString: [Function: toString] }');
    expect(describeError(Object.create(null))).toBe('[Object: null prototype] {}');
  });

  // The CLI printed what it could not read with util.inspect, warnings with String(): one
  // describer now, which shows a value rather than `[object Object]` and never runs a Proxy's traps.
  it('shows a value that is not an error as util.inspect does, on one line', () => {
    const circular: Record<string, unknown> = { reason: 'loop' };
    circular.self = circular;
    expect(describeError({ code: 'E1', nested: { deep: [1, 2] } })).toBe(
      "{ code: 'E1', nested: { deep: [ 1, 2 ] } }",
    );
    expect(describeError(circular)).toBe("<ref *1> { reason: 'loop', self: [Circular *1] }");
    expect(describeError(42)).toBe('42');
    expect(describeError(10n)).toBe('10n');
    expect(describeError(Symbol('thrown'))).toBe('Symbol(thrown)');
    expect(describeError(null)).toBe('null');
    expect(describeError({ big: 'x'.repeat(5_000) })).toHaveLength(2_000);
  });

  it('never runs the traps of a Proxy', () => {
    let trapsRun = 0;
    const proxy = new Proxy(new Error('behind'), {
      get() {
        trapsRun += 1;
        return 'x';
      },
      getPrototypeOf() {
        trapsRun += 1;
        return Error.prototype;
      },
    });
    expect(describeError(proxy)).toBe('an unreadable object');
    expect(trapsRun).toBe(0);
  });
});
