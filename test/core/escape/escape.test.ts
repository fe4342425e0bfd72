import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { remoteConfigScript } from '../../../src/apps/inspector/remote-config.js';
import { escapeHtml, jsonForScript } from '../../../src/core/escape/escape.js';
import { errorHtml } from '../../../src/error-handler/error-response.js';

const isAscii = (text: string): boolean => [...text].every((c) => c.charCodeAt(0) < 0x80);

describe('jsonForScript', () => {
  it('makes a user named </script><script>alert(1)</script> inert', () => {
    const out = jsonForScript({ name: '</script><script>alert(1)</script>' });
    expect(out).toBe(
      '{"name":"\\u003c/script\\u003e\\u003cscript\\u003ealert(1)\\u003c/script\\u003e"}',
    );
  });

  it('escapes &, U+2028 and U+2029', () => {
    expect(jsonForScript('a&b\u2028\u2029')).toBe('"a\\u0026b\\u2028\\u2029"');
  });

  it('escapes non-ASCII characters, astral ones as two surrogate escapes', () => {
    expect(jsonForScript('é日😀')).toBe('"\\u00e9\\u65e5\\ud83d\\ude00"');
  });

  it('keeps lone surrogates as JSON escapes', () => {
    expect(jsonForScript('\ud800x')).toBe('"\\ud800x"');
  });

  it('keeps ASCII untouched, including quotes and backslashes escaped by JSON', () => {
    expect(jsonForScript({ a: [1, true, null, 'x"y\\z'] })).toBe(
      '{"a":[1,true,null,"x\\"y\\\\z"]}',
    );
  });

  it('encodes escapes in object keys too', () => {
    expect(jsonForScript({ '<k>': 1 })).toBe('{"\\u003ck\\u003e":1}');
  });

  it('gives null for values JSON cannot encode at the top level', () => {
    expect(jsonForScript(undefined)).toBe('null');
    expect(jsonForScript(() => 1)).toBe('null');
  });

  it('throws like JSON.stringify on a BigInt', () => {
    expect(() => jsonForScript(1n)).toThrow(TypeError);
  });

  it('is ASCII-only, free of < > & U+2028 U+2029, and round-trips through JSON.parse', () => {
    const anyCodeUnit = fc.string({
      unit: fc.integer({ min: 0, max: 0xffff }).map((u) => String.fromCharCode(u)),
    });
    const values = fc.oneof(
      fc.string(),
      fc.string({ unit: 'binary' }),
      anyCodeUnit,
      fc.json().map((text) => JSON.parse(text) as unknown),
      fc.dictionary(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' })),
      fc.object(),
    );
    fc.assert(
      fc.property(values, (value) => {
        const out = jsonForScript(value);
        expect(isAscii(out)).toBe(true);
        expect(out).not.toMatch(/[<>&\u2028\u2029]/);
        expect(JSON.parse(out)).toEqual(JSON.parse(JSON.stringify(value) ?? 'null'));
      }),
      { numRuns: 500 },
    );
  });
});

describe('escapeHtml', () => {
  it('escapes the characters that can end or alter an attribute value', () => {
    expect(escapeHtml(`a&b<c>d"e'f`)).toBe('a&amp;b&lt;c&gt;d&quot;e&#39;f');
  });

  it('leaves a base64 CSP nonce untouched', () => {
    expect(escapeHtml('rAnd0m+/nonce==')).toBe('rAnd0m+/nonce==');
  });

  it('writes non-ASCII characters as hexadecimal references, by code point', () => {
    expect(escapeHtml('é😀')).toBe('&#xe9;&#x1f600;');
  });

  it('replaces a lone surrogate by U+FFFD', () => {
    expect(escapeHtml('\udc00')).toBe('&#xfffd;');
  });

  it('is ASCII-only and free of & < > " \' except in its own references', () => {
    const anyCodeUnit = fc.string({
      unit: fc.integer({ min: 0, max: 0xffff }).map((u) => String.fromCharCode(u)),
    });
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary' }), anyCodeUnit), (value) => {
        const out = escapeHtml(value);
        expect(isAscii(out)).toBe(true);
        expect(out).not.toMatch(/[<>"']/);
        expect(out.replace(/&(?:amp|lt|gt|quot|#39|#x[0-9a-f]+);/g, '')).not.toContain('&');
      }),
      { numRuns: 500 },
    );
  });

  it('decodes back to the original (well-formed) string', () => {
    const decode = (text: string): string =>
      text.replace(/&(amp|lt|gt|quot|#39|#x[0-9a-f]+);/g, (_, ref: string) => {
        const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" };
        return named[ref] ?? String.fromCodePoint(Number.parseInt(ref.slice(2), 16));
      });
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (value) => {
        expect(decode(escapeHtml(value))).toBe(value);
      }),
    );
  });
});

// The error page had its own escaper (the five specials only) beside this one: one escaper
// now, so its pages are ASCII and carry no lone surrogate, whatever the error says.
describe('escapeHtml in the error page', () => {
  const tags = (html: string): string[] => html.match(/<[^>]*>/g) ?? [];
  const page = (name: string, message: string, stack: string, requestId: string) =>
    errorHtml({ status: 500, requestId, debug: { name, message, stack } });

  it('writes an error message with non-ASCII and a lone surrogate as references', () => {
    const html = page('Error', 'café \ud800 <b>', 'at x', 'r-1');
    expect(html).toContain('<h2>Error: caf&#xe9; &#xfffd; &lt;b&gt;</h2>');
  });

  it("keeps the page's tags, and only them, whatever the name, message, stack and request id", () => {
    const anyCodeUnit = fc.string({
      unit: fc.integer({ min: 0, max: 0xffff }).map((u) => String.fromCharCode(u)),
    });
    const text = fc.oneof(fc.string({ unit: 'binary' }), anyCodeUnit);
    const expected = tags(page('', '', '', ''));
    fc.assert(
      fc.property(text, text, text, text, (name, message, stack, requestId) => {
        const html = page(name, message, stack, requestId);
        expect(isAscii(html)).toBe(true);
        expect(tags(html)).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });
});

// The inspector encoded its remote config for a script by its own three replaces (<, U+2028,
// U+2029): it asks jsonForScript now, so `>`, `&` and non-ASCII are escaped there too.
describe("jsonForScript in the inspector's remote config script", () => {
  it('gives a script that is ASCII, cannot be closed, and sets the config for any token', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (token) => {
        const script = remoteConfigScript(token, true);
        expect(isAscii(script)).toBe(true);
        expect(script).not.toMatch(/[<>&\u2028\u2029]/);
        const window: { _POSTHOG_REMOTE_CONFIG?: Record<string, { config: unknown }> } = {};
        new Function('window', script)(window);
        expect(window._POSTHOG_REMOTE_CONFIG?.[token]?.config).toMatchObject({ token });
      }),
      { numRuns: 200 },
    );
  });
});
