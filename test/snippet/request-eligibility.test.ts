import { describe, expect, it } from 'vitest';
import { mayTakePage } from '../../src/snippet/request-eligibility.js';

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
    ['a header that is not a string (a hand-built request)', ['text/html']],
  ])('keeps %s eligible', (_name, accept) => {
    expect(mayTakePage(accept)).toBe(true);
  });

  it.each([
    ['a JSON API client', 'application/json'],
    ['JSON with a fallback to plain text', 'application/json, text/plain;q=0.5'],
    ['an image load', 'image/avif,image/webp,image/apng,image/svg+xml,image/*'],
    ['a font', 'font/woff2'],
    ['an event stream', 'text/event-stream'],
  ])('steps aside for %s', (_name, accept) => {
    expect(mayTakePage(accept)).toBe(false);
  });
});
