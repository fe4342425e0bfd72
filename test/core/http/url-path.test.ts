import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pathWithoutQuery } from '../../../src/core/http/url-path.js';

describe('pathWithoutQuery', () => {
  it('keeps the path and drops the query and the fragment, which may hold secrets', () => {
    expect(pathWithoutQuery('/reset?token=s3cret')).toBe('/reset');
    expect(pathWithoutQuery('/a#access_token=s3cret')).toBe('/a');
    expect(pathWithoutQuery('/a#x?token=s3cret')).toBe('/a');
    expect(pathWithoutQuery('/plain')).toBe('/plain');
    expect(pathWithoutQuery(undefined)).toBe('');
  });

  it('gives a prefix of the URL with no ? or #, for any URL', () => {
    fc.assert(
      fc.property(fc.string(), (url) => {
        const path = pathWithoutQuery(url);
        expect(url.startsWith(path)).toBe(true);
        expect(path).not.toMatch(/[?#]/);
        expect(url.slice(path.length)).toMatch(/^(?:[?#].*)?$/s);
      }),
    );
  });
});
