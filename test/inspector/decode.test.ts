import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeBody, isGzip } from '../../src/inspector/decode.js';

const MAX = 1024 * 1024;
const json = (value: unknown) => Buffer.from(JSON.stringify(value));
const form = (value: unknown) =>
  Buffer.from(`data=${encodeURIComponent(Buffer.from(JSON.stringify(value)).toString('base64'))}`);

describe('decodeBody', () => {
  const event = { event: '$pageview', properties: { $current_url: 'http://x/é' } };

  it('reads plain JSON', () => {
    expect(decodeBody({ bytes: json(event), contentType: 'application/json' }, MAX)).toEqual({
      ok: true,
      value: event,
    });
  });

  it('recognises gzip by its magic bytes when posted as text/plain with no compression parameter', () => {
    const bytes = gzipSync(json(event));
    expect(isGzip(bytes)).toBe(true);
    expect(decodeBody({ bytes, contentType: 'text/plain' }, MAX)).toEqual({
      ok: true,
      value: event,
    });
  });

  it('reads gzip announced by Content-Encoding (posthog-node)', () => {
    const bytes = gzipSync(json({ batch: [event] }));
    expect(decodeBody({ bytes, contentEncoding: 'gzip' }, MAX)).toEqual({
      ok: true,
      value: { batch: [event] },
    });
  });

  it('reads data=<base64> forms, by content type, by compression=base64, or by their prefix', () => {
    const bytes = form(event);
    for (const raw of [
      { bytes, contentType: 'application/x-www-form-urlencoded' },
      { bytes, compression: 'base64' },
      { bytes },
    ]) {
      expect(decodeBody(raw, MAX)).toEqual({ ok: true, value: event });
    }
  });

  it('reads a form whose base64 "+" was not percent-encoded', () => {
    const base64 = Buffer.from(JSON.stringify({ event: '>>>?' })).toString('base64');
    expect(base64).toContain('+');
    expect(decodeBody({ bytes: Buffer.from(`data=${base64}`) }, MAX)).toEqual({
      ok: true,
      value: { event: '>>>?' },
    });
  });

  it.each([
    ['an empty body', Buffer.alloc(0), {}],
    ['text that is not JSON', Buffer.from('hello'), {}],
    ['truncated JSON', Buffer.from('{"event":'), {}],
    ['broken gzip', Buffer.from([0x1f, 0x8b, 1, 2, 3]), {}],
    ['Content-Encoding gzip on a plain body', json(event), { contentEncoding: 'gzip' }],
    [
      'a form without data',
      Buffer.from('other=1'),
      { contentType: 'application/x-www-form-urlencoded' },
    ],
    ['a form with bad base64', Buffer.from('data=%%%'), {}],
    ['gzip of text that is not JSON', gzipSync('nope'), {}],
  ])('refuses %s with 400', (_label, bytes, headers) => {
    const result = decodeBody({ bytes, ...headers }, MAX);
    expect(result).toMatchObject({ ok: false, status: 400 });
  });

  it('refuses with 413 a gzip body that inflates past the bound', () => {
    const bomb = gzipSync(Buffer.alloc(4 * MAX, 0x20));
    expect(bomb.length).toBeLessThan(MAX);
    expect(decodeBody({ bytes: bomb }, MAX)).toMatchObject({ ok: false, status: 413 });
  });

  it('decodes any JSON value the same from JSON, gzip and base64 forms', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const expected = JSON.parse(JSON.stringify(value));
        for (const bytes of [json(value), gzipSync(json(value)), form(value)]) {
          expect(decodeBody({ bytes }, MAX)).toEqual({ ok: true, value: expected });
        }
      }),
      { numRuns: 200 },
    );
  });
});
