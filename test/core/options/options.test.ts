import { describe, expect, it } from 'vitest';
import { PosthogClient } from '../../../src/core/client/index.js';
import { loadConfig } from '../../../src/core/config/index.js';
import { checkOptions, closestName } from '../../../src/core/options/options.js';

const SPEC = {
  usage: 'app.use(myFactory())',
  functions: { getUser: '(req) => req.user' },
  strings: { path: "'/x'" },
  others: ['respond'],
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
