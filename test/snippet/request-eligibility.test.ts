import { describe, expect, it } from 'vitest';
import { mayTakePage, namesPage } from '../../src/snippet/request-eligibility.js';

const CHROME_NAVIGATION =
  'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8';

describe('mayTakePage', () => {
  it.each([
    ['a browser navigation', CHROME_NAVIGATION],
    ['Firefox', 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8'],
    ["fetch()'s default", '*/*'],
    ["axios' default", 'application/json, text/plain, */*'],
    ['Turbo', 'text/vnd.turbo-stream.html, text/html, application/xhtml+xml'],
    ['any text', 'text/*'],
    ['upper case', 'TEXT/HTML'],
    ['no header', undefined],
    ['an empty header', ''],
    ['a blank header', '  '],
  ])('keeps %s eligible', (_name, accept) => {
    expect(mayTakePage({ accept })).toBe(true);
  });

  it.each([
    ['a JSON API client', 'application/json'],
    ['JSON with a fallback to plain text', 'application/json, text/plain;q=0.5'],
    ['an image load', 'image/avif,image/webp,image/apng,image/svg+xml,image/*'],
    ['a font', 'font/woff2'],
    ['an event stream', 'text/event-stream'],
  ])('steps aside for %s', (_name, accept) => {
    expect(mayTakePage({ accept })).toBe(false);
  });

  it.each(['document', 'iframe', 'frame', 'fencedframe', 'embed', 'object', 'IFRAME'])(
    'keeps a browser request for a %s eligible, whatever it accepts',
    (dest) => {
      expect(mayTakePage({ accept: CHROME_NAVIGATION, 'sec-fetch-dest': dest })).toBe(true);
      expect(mayTakePage({ accept: '*/*', 'sec-fetch-dest': dest })).toBe(true);
    },
  );

  it.each(['empty', 'script', 'style', 'image', 'font', 'worker', 'manifest', 'json'])(
    'steps aside for a browser request whose answer goes to %s, even with Accept */*',
    (dest) => {
      expect(mayTakePage({ accept: '*/*', 'sec-fetch-dest': dest })).toBe(false);
      expect(mayTakePage({ 'sec-fetch-dest': dest })).toBe(false);
    },
  );

  it.each([
    ['Sec-Purpose: prefetch (the standard)', { 'sec-purpose': 'prefetch' }],
    ['Purpose: prefetch (Chrome)', { purpose: 'prefetch' }],
    ['X-Purpose: preview (Safari)', { 'x-purpose': 'preview' }],
    ['X-Moz: prefetch (Firefox)', { 'x-moz': 'prefetch' }],
  ])(
    'keeps a prefetch eligible although it goes to empty: %s (a navigation may use it)',
    (_name, purpose) => {
      expect(mayTakePage({ accept: '*/*', 'sec-fetch-dest': 'empty', ...purpose })).toBe(true);
    },
  );

  it('keeps a script fetch that asks for HTML by name eligible (Turbo, htmx)', () => {
    const turbo = 'text/vnd.turbo-stream.html, text/html, application/xhtml+xml';
    expect(mayTakePage({ accept: turbo, 'sec-fetch-dest': 'empty' })).toBe(true);
  });

  it('still reads Accept when a document request names no HTML', () => {
    expect(mayTakePage({ accept: 'application/json', 'sec-fetch-dest': 'document' })).toBe(false);
  });
});

describe('namesPage', () => {
  it('is true only when HTML is asked for by name', () => {
    expect(namesPage(CHROME_NAVIGATION)).toBe(true);
    expect(namesPage('application/xhtml+xml')).toBe(true);
    expect(namesPage('*/*')).toBe(false);
    expect(namesPage('application/json')).toBe(false);
    expect(namesPage(undefined)).toBe(false);
  });
});
