import { describe, expect, it } from 'vitest';
import { isFresh, matchesIfNoneMatch } from '../../../src/core/http/conditional.js';

const held = (ifNoneMatch: string, cacheControl?: string) => ({
  ifNoneMatch,
  ifModifiedSince: undefined,
  cacheControl,
});

describe('matchesIfNoneMatch', () => {
  it('matches a named tag weakly, and * whatever the tag', () => {
    expect(matchesIfNoneMatch('W/"a", "b"', '"a"')).toBe(true);
    expect(matchesIfNoneMatch('"b"', 'W/"b"')).toBe(true);
    expect(matchesIfNoneMatch('"c"', '"a"')).toBe(false);
    expect(matchesIfNoneMatch(' * ', '"a"')).toBe(true);
    expect(matchesIfNoneMatch('*', undefined)).toBe(true);
    expect(matchesIfNoneMatch('"a"', undefined)).toBe(false);
  });
});

// The page validators read the request's no-cache with a regular expression of their own;
// they read Cache-Control with the floor's parser now, as the response rules do.
describe("isFresh reads the request's Cache-Control as a list of directives", () => {
  it('is not fresh with no-cache, with or without an argument', () => {
    expect(isFresh(held('"a"'), '"a"', undefined)).toBe(true);
    expect(isFresh(held('"a"', 'max-age=0, No-Cache'), '"a"', undefined)).toBe(false);
    expect(isFresh(held('"a"', 'no-cache="x"'), '"a"', undefined)).toBe(false);
  });

  it('is fresh when no-cache only appears inside a quoted value', () => {
    expect(isFresh(held('"a"', 'ext="a, no-cache, b"'), '"a"', undefined)).toBe(true);
  });
});
