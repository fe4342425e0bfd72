import { describe, expect, it } from 'vitest';
import {
  ASCII_COMPATIBLE_CHARSET_LABELS,
  decideInjection,
  type InjectionInput,
  isAlreadyEncoded,
  isAsciiCompatibleCharset,
} from '../../src/snippet/response-eligibility.js';

const page: InjectionInput = {
  status: 200,
  method: 'GET',
  contentType: 'text/html; charset=utf-8',
  contentEncoding: undefined,
  cacheControl: undefined,
};

/** The decision for the eligible page with some fields changed. */
const decide = (changes: Partial<InjectionInput>) => decideInjection({ ...page, ...changes });

describe('decideInjection', () => {
  it('injects a plain HTML page', () => {
    expect(decide({})).toEqual({ inject: true });
  });

  it.each([200, 201, 299, 301, 302, 400, 404, 500, 503])('injects status %i', (status) => {
    expect(decide({ status })).toEqual({ inject: true });
  });

  it.each([100, 101, 103, 199, 204, 205, 206, 304])('does not inject status %i', (status) => {
    expect(decide({ status })).toMatchObject({ inject: false, reason: 'status' });
  });

  it.each([0, 99, 1000, 200.5, Number.NaN])('does not inject the invalid status %s', (status) => {
    expect(decide({ status })).toMatchObject({ inject: false, reason: 'status' });
  });

  it('injects HEAD responses, as GET ones (the caller drops Content-Length)', () => {
    expect(decide({ method: 'HEAD' })).toEqual({ inject: true });
  });

  it('does not inject a CONNECT response', () => {
    expect(decide({ method: 'connect' })).toMatchObject({ inject: false, reason: 'method' });
  });

  it.each([
    'text/html',
    'TEXT/HTML',
    ' text/html ',
    'text/html;charset=UTF-8',
    'text/html; charset="utf-8"',
    'text/html; foo="a;charset=utf-16"; charset=iso-8859-1',
    'text/html; charset=',
    'application/xhtml+xml; charset=windows-1252',
    'text/html; charset=Shift_JIS',
  ])('injects Content-Type %s', (contentType) => {
    expect(decide({ contentType })).toEqual({ inject: true });
  });

  it.each([
    undefined,
    '',
    'text/plain',
    'application/json',
    'text/htmlx',
    'text/xml',
    'image/svg+xml',
  ])('does not inject Content-Type %s', (contentType) => {
    expect(decide({ contentType })).toMatchObject({ inject: false, reason: 'content-type' });
  });

  it('does not inject a Content-Type given as a list of values', () => {
    expect(decide({ contentType: ['text/plain', 'text/html'] })).toMatchObject({
      inject: false,
      reason: 'content-type',
    });
  });

  it.each([
    'utf-16',
    'UTF-16LE',
    'utf-16be',
    'utf-32',
    'ucs-2',
    'unicode',
    'utf-7',
    'iso-2022-jp',
    'hz-gb-2312',
    'replacement',
    'ibm037',
    'made-up',
  ])('does not inject charset %s', (charset) => {
    expect(decide({ contentType: `text/html; charset=${charset}` })).toMatchObject({
      inject: false,
      reason: 'charset',
      detail: `charset ${JSON.stringify(charset.toLowerCase())} is not known ASCII-compatible`,
    });
  });

  it.each([undefined, '', 'identity', 'IDENTITY', ' identity , identity'])(
    'injects Content-Encoding %s',
    (contentEncoding) => {
      expect(decide({ contentEncoding })).toEqual({ inject: true });
    },
  );

  it.each(['gzip', 'br', 'identity, gzip', 'x-custom'])(
    'does not inject Content-Encoding %s',
    (contentEncoding) => {
      expect(decide({ contentEncoding })).toMatchObject({
        inject: false,
        reason: 'content-encoding',
      });
    },
  );

  it.each([
    'no-transform',
    'No-Transform',
    'public, no-transform, max-age=60',
    ['max-age=0', 'no-transform'],
  ])('does not inject with Cache-Control %s', (cacheControl) => {
    expect(decide({ cacheControl })).toMatchObject({ inject: false, reason: 'no-transform' });
  });

  it.each(['no-cache, no-store', 'private="no-transform"', 'no-transformation', 'x-no-transform'])(
    'injects with Cache-Control %s (no no-transform token)',
    (cacheControl) => {
      expect(decide({ cacheControl })).toEqual({ inject: true });
    },
  );

  it('explains every refusal in a sentence', () => {
    expect(decide({ status: 304 })).toEqual({
      inject: false,
      reason: 'status',
      detail: 'status 304 has no body to inject into or must not change',
    });
    expect(decide({ contentType: 'application/json' })).toEqual({
      inject: false,
      reason: 'content-type',
      detail: 'Content-Type "application/json" is not HTML',
    });
  });
});

describe('isAlreadyEncoded', () => {
  it.each(['gzip', 'GZIP', 'x-gzip', 'br', 'deflate', 'zstd', 'compress', 'identity, br'])(
    'is true for %s',
    (contentEncoding) => {
      expect(isAlreadyEncoded(contentEncoding)).toBe(true);
    },
  );

  it.each([undefined, '', 'identity', 'x-custom', 42])('is false for %s', (contentEncoding) => {
    expect(isAlreadyEncoded(contentEncoding)).toBe(false);
  });
});

describe('isAsciiCompatibleCharset', () => {
  it.each([
    'utf-8',
    'UTF8',
    ' us-ascii ',
    'iso-8859-1',
    'ISO-8859-15',
    'latin1',
    'windows-1250',
    'windows-1258',
    'cp1252',
    'koi8-r',
    'gbk',
    'gb18030',
    'big5',
    'euc-jp',
    'shift_jis',
    'euc-kr',
  ])('accepts %s', (label) => {
    expect(isAsciiCompatibleCharset(label)).toBe(true);
  });

  it('accepts only labels a WHATWG decoder knows, none of them UTF-16 or ISO-2022-JP', () => {
    // Valid WHATWG labels that Node's ICU does not implement.
    const unsupportedByNode = new Set(['iso-8859-16', 'x-user-defined']);
    expect(ASCII_COMPATIBLE_CHARSET_LABELS.size).toBeGreaterThan(200);
    for (const label of ASCII_COMPATIBLE_CHARSET_LABELS) {
      expect(isAsciiCompatibleCharset(label)).toBe(true);
      if (unsupportedByNode.has(label)) continue;
      const decoder = new TextDecoder(label);
      expect(decoder.encoding, label).not.toMatch(/^(utf-16|iso-2022-jp)/);
      expect(decoder.decode(Buffer.from('<body a="b">\n</head>')), label).toBe(
        '<body a="b">\n</head>',
      );
    }
  });

  it.each(['utf-16', 'utf-16le', 'utf-32', 'iso-2022-jp', 'ebcdic', '', 'utf-8 x'])(
    'rejects %s',
    (label) => {
      expect(isAsciiCompatibleCharset(label)).toBe(false);
    },
  );
});
