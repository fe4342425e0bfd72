import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeBody, isGzip } from '../../../src/apps/inspector/decode.js';

const MAX = 1024 * 1024;
const LIMITS = { maxDecodedBytes: MAX, maxObjects: 10_000, maxDepth: 64 };
const json = (value: unknown) => Buffer.from(JSON.stringify(value));
const form = (value: unknown) =>
  Buffer.from(`data=${encodeURIComponent(Buffer.from(JSON.stringify(value)).toString('base64'))}`);

describe('decodeBody', () => {
  const event = { event: '$pageview', properties: { $current_url: 'http://x/é' } };

  it('reads plain JSON', async () => {
    expect(
      await decodeBody({ bytes: json(event), contentType: 'application/json' }, LIMITS),
    ).toEqual({
      ok: true,
      value: event,
    });
  });

  it('recognises gzip by its magic bytes when posted as text/plain with no compression parameter', async () => {
    const bytes = gzipSync(json(event));
    expect(isGzip(bytes)).toBe(true);
    expect(await decodeBody({ bytes, contentType: 'text/plain' }, LIMITS)).toEqual({
      ok: true,
      value: event,
    });
  });

  it('reads gzip announced by Content-Encoding (posthog-node)', async () => {
    const bytes = gzipSync(json({ batch: [event] }));
    expect(await decodeBody({ bytes, contentEncoding: 'gzip' }, LIMITS)).toEqual({
      ok: true,
      value: { batch: [event] },
    });
  });

  it('reads data=<base64> forms, by content type, by compression=base64, or by their prefix', async () => {
    const bytes = form(event);
    for (const raw of [
      { bytes, contentType: 'application/x-www-form-urlencoded' },
      { bytes, compression: 'base64' },
      { bytes },
    ]) {
      expect(await decodeBody(raw, LIMITS)).toEqual({ ok: true, value: event });
    }
  });

  it('reads a form whose base64 "+" was not percent-encoded', async () => {
    const base64 = Buffer.from(JSON.stringify({ event: '>>>?' })).toString('base64');
    expect(base64).toContain('+');
    expect(await decodeBody({ bytes: Buffer.from(`data=${base64}`) }, LIMITS)).toEqual({
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
  ])('refuses %s with 400', async (_label, bytes, headers) => {
    const result = await decodeBody({ bytes, ...headers }, LIMITS);
    expect(result).toMatchObject({ ok: false, status: 400 });
  });

  it('refuses with 413 a gzip body that inflates past the bound', async () => {
    const bomb = gzipSync(Buffer.alloc(4 * MAX, 0x20));
    expect(bomb.length).toBeLessThan(MAX);
    expect(await decodeBody({ bytes: bomb }, LIMITS)).toMatchObject({ ok: false, status: 413 });
  });

  it('decodes any JSON value the same from JSON, gzip and base64 forms', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ maxDepth: 10 }), async (value) => {
        const expected = JSON.parse(JSON.stringify(value));
        for (const bytes of [json(value), gzipSync(json(value)), form(value)]) {
          expect(await decodeBody({ bytes }, LIMITS)).toEqual({ ok: true, value: expected });
        }
      }),
      { numRuns: 200 },
    );
  });

  it.each([
    ['nested deeper than maxDepth', `${'['.repeat(65)}${']'.repeat(65)}`, /nested deeper than 64/],
    ['with more objects than maxObjects', `[${'{},'.repeat(10_000)}{}]`, /more than 10000 objects/],
  ])('refuses a body %s with 400, before parsing it', async (_label, text, reason) => {
    const result = await decodeBody({ bytes: Buffer.from(text) }, LIMITS);
    expect(result).toMatchObject({ ok: false, status: 400, reason: expect.stringMatching(reason) });
  });

  it('counts brackets inside strings as text, escaped quotes included', async () => {
    const value = { event: 'x', properties: { s: `"\\"[[[[{{{{${'['.repeat(100)}` } };
    expect(await decodeBody({ bytes: json(value) }, LIMITS)).toEqual({ ok: true, value });
  });

  it('inflates gzip carried in a base64 form field', async () => {
    const bytes = Buffer.from(
      `data=${encodeURIComponent(gzipSync(json(event)).toString('base64'))}`,
    );
    expect(await decodeBody({ bytes }, LIMITS)).toEqual({ ok: true, value: event });
  });
});
