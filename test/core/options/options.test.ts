import { describe, expect, it } from 'vitest';
import { PosthogClient } from '../../../src/core/client/index.js';
import { loadConfig } from '../../../src/core/config/index.js';
import { MAX_TIMER_MS } from '../../../src/core/config/parse.js';
import {
  checkOptionKeys,
  checkOptions,
  checkPositiveInteger,
  closestName,
} from '../../../src/core/options/options.js';

const SPEC = {
  usage: 'app.use(myFactory())',
  functions: { getUser: '(req) => req.user' },
  strings: { path: "'/x'" },
  keys: ['getUser', 'path', 'respond', 'client'],
  client: true,
} as const;

describe('checkOptions', () => {
  it('accepts nothing, {}, and the known options, without copying them', () => {
    expect(checkOptions('myFactory', undefined, SPEC).options).toEqual({});
    const given = { getUser: () => undefined, path: '/p', respond: false };
    expect(checkOptions('myFactory', given, SPEC).options).toBe(given);
  });

  it('hands back the given client, or getPosthog per request', () => {
    const client = new PosthogClient({ config: loadConfig({}) });
    expect(checkOptions('myFactory', { client }, SPEC).client()).toBe(client);
    expect(checkOptions('myFactory', {}, SPEC).client()).toBeInstanceOf(PosthogClient);
  });

  it.each([
    [null, 'myFactory: options must be an object, got null. Use app.use(myFactory()).'],
    [[], 'myFactory: options must be an object, got []. Use app.use(myFactory()).'],
    ['x', 'myFactory: options must be an object, got "x". Use app.use(myFactory()).'],
    [
      () => undefined,
      'myFactory: call it — app.use(myFactory()) — instead of passing myFactory itself to Express.',
    ],
    [
      { Path: '/x' },
      'myFactory: unknown option `Path` — did you mean `path`? Its options are `getUser`, `path`, `respond`, `client`.',
    ],
    [
      { unrelated: 1 },
      'myFactory: unknown option `unrelated`. Its options are `getUser`, `path`, `respond`, `client`.',
    ],
    [{ path: 7 }, "myFactory: `path` must be a string, got 7. Pass a string such as '/x'."],
    [
      { getUser: {} },
      'myFactory: `getUser` must be a function, got {}. Pass a function such as (req) => req.user.',
    ],
    [
      { client: {} },
      'myFactory: `client` must be a PosthogClient, got {}. Pass getPosthog() or new PosthogClient({ config: loadConfig() }), or leave it out.',
    ],
  ])('throws for %j with the fix', (input, message) => {
    expect(() => checkOptions('myFactory', input, SPEC)).toThrow(new TypeError(message));
  });
});

describe('closestName', () => {
  it('suggests a name off by case or a few letters, and nothing far off', () => {
    expect(closestName('getuser', ['getUser', 'client'])).toBe('getUser');
    expect(closestName('clinet', ['getUser', 'client'])).toBe('client');
    expect(closestName('maxBufferByte', ['maxBufferBytes'])).toBe('maxBufferBytes');
    expect(closestName('zzz', ['getUser', 'client'])).toBeUndefined();
  });
});

describe('checkPositiveInteger', () => {
  it('passes a count up to the bound, and nothing given', () => {
    expect(checkPositiveInteger('f', 'timeoutMs', MAX_TIMER_MS, { max: MAX_TIMER_MS })).toBe(
      MAX_TIMER_MS,
    );
    expect(checkPositiveInteger('f', 'n', undefined)).toBeUndefined();
  });

  it.each([
    [0, {}, 'f: `n` must be a positive integer, got 0.'],
    [
      MAX_TIMER_MS + 1,
      { max: MAX_TIMER_MS, unit: 'milliseconds' },
      'f: `n` must be a positive integer up to 2147483647 (milliseconds), got 2147483648.',
    ],
    [
      '4mb',
      { unit: 'bytes', fix: 'Use a number of bytes, e.g. 4194304.' },
      'f: `n` must be a positive integer (bytes), got "4mb". Use a number of bytes, e.g. 4194304.',
    ],
  ])('refuses %j with the range and the fix', (value, rule, message) => {
    expect(() => checkPositiveInteger('f', 'n', value, rule)).toThrow(new TypeError(message));
  });
});

describe('checkOptionKeys', () => {
  it('names options that cannot be read', () => {
    const revocable = Proxy.revocable({}, {});
    revocable.revoke();
    expect(() => checkOptionKeys('f', 'f({})', revocable.proxy, ['a'])).toThrow(
      /^f: the options could not be read \(TypeError: .*\); pass a plain object, e.g. f\(\{\}\)\.$/,
    );
  });
});
