import { describe, expect, it } from 'vitest';
import {
  browserIds,
  currentUrl,
  standardProperties,
} from '../../../src/core/attribution/request-info.js';

const KEY = 'phc_test';
const NOW = 1_800_000_000_000;

/** The cookie posthog-js writes: `ph_<key>_posthog`, URI-encoded JSON. */
function posthogCookie(state: Record<string, unknown>, key = KEY): string {
  return `ph_${key}_posthog=${encodeURIComponent(JSON.stringify(state))}`;
}

describe('browserIds', () => {
  it('reads the tracing headers first', () => {
    expect(
      browserIds(
        {
          'x-posthog-session-id': 'sess-h',
          'x-posthog-distinct-id': 'dist-h',
          cookie: posthogCookie({ distinct_id: 'dist-c', $sesid: [NOW, 'sess-c', NOW] }),
        },
        KEY,
        NOW,
      ),
    ).toEqual({ sessionId: 'sess-h', distinctId: 'dist-h' });
  });

  it('reads the posthog-js cookie on a page navigation (no tracing headers)', () => {
    const cookie = `theme=dark; ${posthogCookie({
      distinct_id: '0193-anon',
      $device_id: '0193-anon',
      $sesid: [NOW - 60_000, '0193-sess', NOW - 120_000],
    })}; other=1`;
    expect(browserIds({ cookie }, KEY, NOW)).toEqual({
      sessionId: '0193-sess',
      distinctId: '0193-anon',
    });
  });

  it('drops a session idle for over 30 minutes or started over 24 hours ago', () => {
    const idle = posthogCookie({
      distinct_id: 'd',
      $sesid: [NOW - 31 * 60_000, 's', NOW - 40 * 60_000],
    });
    const old = posthogCookie({ distinct_id: 'd', $sesid: [NOW, 's', NOW - 25 * 3_600_000] });
    expect(browserIds({ cookie: idle }, KEY, NOW)).toEqual({ distinctId: 'd' });
    expect(browserIds({ cookie: old }, KEY, NOW)).toEqual({ distinctId: 'd' });
  });

  it("ignores another project's cookie, an opted-out visitor, and values that are not ids", () => {
    const other = posthogCookie({ distinct_id: 'd', $sesid: [NOW, 's', NOW] }, 'phc_other');
    expect(browserIds({ cookie: other }, KEY, NOW)).toEqual({});
    const optedOut = `${posthogCookie({ distinct_id: 'd', $sesid: [NOW, 's', NOW] })}; __ph_opt_in_out_${KEY}=0`;
    expect(browserIds({ cookie: optedOut }, KEY, NOW)).toEqual({});
    const hostile = posthogCookie({ distinct_id: '<script>', $sesid: [NOW, 'a b\nc', NOW] });
    expect(browserIds({ cookie: hostile }, KEY, NOW)).toEqual({});
    expect(browserIds({ cookie: `ph_${KEY}_posthog=%E0%A4%A` }, KEY, NOW)).toEqual({});
    expect(browserIds({ cookie: `ph_${KEY}_posthog={not json` }, KEY, NOW)).toEqual({});
  });

  it('reads only the headers without an api key', () => {
    const cookie = posthogCookie({ distinct_id: 'd', $sesid: [NOW, 's', NOW] });
    expect(browserIds({ cookie })).toEqual({});
  });
});

describe('currentUrl and standardProperties', () => {
  const req = {
    method: 'GET',
    originalUrl: '/reset?token=abc&step=2',
    path: '/reset',
    protocol: 'https',
    ip: '203.0.113.7',
    headers: { host: 'shop.example.com', 'user-agent': 'Mozilla/5.0 test' },
  };

  it('builds the absolute URL, leaving its secrets to the gate every event passes', () => {
    expect(currentUrl(req)).toBe('https://shop.example.com/reset?token=abc&step=2');
  });

  it('keeps a path alone when the Host header does not look like a host', () => {
    expect(currentUrl({ ...req, headers: { host: 'evil.com/x?token=1#' } })).toBe(
      '/reset?token=abc&step=2',
    );
    expect(currentUrl({ ...req, headers: {} })).toBe('/reset?token=abc&step=2');
  });

  it('names them as PostHog does, with $ip only in identify mode full', () => {
    const expected = {
      $current_url: 'https://shop.example.com/reset?token=abc&step=2',
      $request_method: 'GET',
      $request_path: '/reset',
      $user_agent: 'Mozilla/5.0 test',
    };
    expect(standardProperties(req, 'email')).toEqual(expected);
    expect(standardProperties(req, 'id')).toEqual(expected);
    expect(standardProperties(req, 'none')).toEqual(expected);
    expect(standardProperties(req, 'full')).toEqual({ ...expected, $ip: '203.0.113.7' });
  });
});
