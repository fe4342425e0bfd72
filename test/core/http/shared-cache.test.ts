import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isPrivateToUser, privateCacheControl } from '../../../src/core/http/shared-cache.js';

/** The rule, asked of a plain header object (names in any case). */
function privateToUser(headers: Record<string, string | string[]>): boolean {
  const lower = Object.fromEntries(
    Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]),
  );
  return isPrivateToUser({
    getHeader: (name) => lower[name.toLowerCase()],
    getHeaderNames: () => Object.keys(lower),
  });
}

describe('isPrivateToUser (the identity may go into the response)', () => {
  it.each([
    [{}],
    [{ 'Cache-Control': 'private' }],
    [{ 'Cache-Control': 'PRIVATE, max-age=60' }],
    [{ 'Cache-Control': 'no-store' }],
    [{ 'Cache-Control': 'public, no-store' }],
    [{ 'Cache-Control': 'no-cache' }],
    [{ 'Cache-Control': 'no-cache="public"' }],
    [{ 'Cache-Control': 'community="s-maxage, public"' }],
    [{ 'Cache-Control': 'private', 'CDN-Cache-Control': 'max-age=60' }],
    [{ 'Cache-Control': 'private="x", public, private' }],
    [{ ETag: '"a"', 'Last-Modified': 'Mon, 01 Jan 2024 00:00:00 GMT' }],
  ])('is true for %j', (headers) => {
    expect(privateToUser(headers)).toBe(true);
  });

  it.each([
    [{ 'Cache-Control': 'public' }],
    [{ 'Cache-Control': 's-maxage=30' }],
    [{ 'Cache-Control': 'max-age=60' }],
    [{ 'Cache-Control': 'max-age=0' }],
    [{ 'Cache-Control': 'public, private="Set-Cookie"' }],
    [{ 'Cache-Control': ['no-cache', 'public'] }],
    [{ Expires: 'Thu, 01 Dec 2099 16:00:00 GMT' }],
    [{ 'CDN-Cache-Control': 'max-age=600' }],
    [{ 'Surrogate-Control': 'max-age=600' }],
    [{ 'Cloudflare-CDN-Cache-Control': 'max-age=600' }],
    [{ 'Vercel-CDN-Cache-Control': 'max-age=600' }],
    [{ 'Netlify-CDN-Cache-Control': 'max-age=600' }],
    [{ 'Cache-Control': 'no-cache', 'CDN-Cache-Control': 'max-age=60' }],
  ])('is false for %j (a shared cache may store it)', (headers) => {
    expect(privateToUser(headers)).toBe(false);
  });

  it('is false whenever a cache-targeted header is present without private or no-store', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('CDN-Cache-Control', 'Surrogate-Control', 'Acme-CDN-Cache-Control'),
        fc.constantFrom(undefined, 'no-cache', 'must-revalidate', 'x-custom'),
        (cdnHeader, cacheControl) => {
          const headers: Record<string, string> = { [cdnHeader]: 'max-age=60' };
          if (cacheControl) headers['Cache-Control'] = cacheControl;
          expect(privateToUser(headers)).toBe(false);
        },
      ),
    );
  });
});

describe('privateCacheControl (what an identity-carrying response goes out with)', () => {
  it.each([
    ['must-revalidate'],
    ['proxy-revalidate'],
    ['stale-while-revalidate=60'],
    ['stale-if-error=600'],
    ['immutable'],
    ['no-cache'],
  ])('appends private to %j, which has no freshness and no private', (value) => {
    expect(privateCacheControl(value)).toBe(`${value}, private`);
    // The result keeps the response out of shared caches by the same rule.
    const result = privateCacheControl(value) as string;
    expect(
      isPrivateToUser({
        getHeader: (n) => (n === 'cache-control' ? result : undefined),
        getHeaderNames: () => ['cache-control'],
      }),
    ).toBe(true);
  });

  it('is the whole header when there is none', () => {
    expect(privateCacheControl(undefined)).toBe('private');
    expect(privateCacheControl('  ')).toBe('private');
  });

  it.each([['private'], ['PRIVATE, max-age=60'], ['no-store'], ['no-cache, no-store']])(
    'leaves %j alone (already private or not stored)',
    (value) => {
      expect(privateCacheControl(value)).toBeUndefined();
    },
  );

  it('appends to a qualified private="Set-Cookie", which withholds only those fields', () => {
    expect(privateCacheControl('private="Set-Cookie"')).toBe('private="Set-Cookie", private');
  });

  it('joins a header set as a list before appending', () => {
    expect(privateCacheControl(['no-cache', 'must-revalidate'])).toBe(
      'no-cache, must-revalidate, private',
    );
  });

  it('always gives a value that has private or no-store, and keeps every directive the app set', () => {
    fc.assert(
      fc.property(
        fc.subarray([
          'no-cache',
          'must-revalidate',
          'proxy-revalidate',
          'immutable',
          'no-store',
          'private',
          'stale-if-error=600',
        ]),
        (directives) => {
          const value = directives.length ? directives.join(', ') : undefined;
          const result = privateCacheControl(value) ?? value ?? '';
          expect(/(^|, )(private|no-store)(,|$)/.test(result)).toBe(true);
          for (const d of directives) expect(result).toContain(d);
        },
      ),
    );
  });
});
