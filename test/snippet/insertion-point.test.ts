import { describe, expect, it } from 'vitest';
import {
  type InsertionDecision,
  InsertionPointScanner,
  SNIPPET_MARKER_ATTRIBUTE,
} from '../../src/snippet/insertion-point.js';
import { findInsertionPoint, GUARD_STRINGS } from '../helpers/insertion-point.js';

const bytes = (text: string): Buffer => Buffer.from(text, 'utf8');

/** The decision for a whole document. */
const decide = (html: string): InsertionDecision => findInsertionPoint(bytes(html));

/** The byte offset of `needle` in `html`, as UTF-8. */
const byteOffset = (html: string, needle: string, from = 0): number =>
  bytes(html).indexOf(bytes(needle), from);

/** Expects an insertion before the byte offset of `needle`. */
function expectBefore(html: string, needle: string): void {
  expect(decide(html)).toEqual({
    kind: 'insert',
    offset: byteOffset(html, needle),
    anchor: 'head',
  });
}

/** Expects an insertion right after the first `tag`. */
function expectAfter(html: string, tag: string): void {
  const offset = byteOffset(html, tag) + bytes(tag).length;
  expect(decide(html)).toEqual({ kind: 'insert', offset, anchor: 'body' });
}

/** The decision with `html` written in the given chunks, then ended. */
function decideChunked(chunks: readonly Uint8Array[]): InsertionDecision {
  const scanner = new InsertionPointScanner();
  for (const chunk of chunks) scanner.write(chunk);
  return scanner.end();
}

describe('insertion point before </head>', () => {
  it('inserts immediately before the first </head>', () => {
    expectBefore('<html><head><title>t</title></head><body></body></html>', '</head>');
  });

  it('inserts before </HEAD > in any case, with whitespace before >', () => {
    expectBefore('<HEAD><META charset=utf-8></HEAD ></html>', '</HEAD >');
    expectBefore('<head></HeAd\n><body>', '</HeAd');
    expectBefore('<head></head\t\r\f >', '</head');
  });

  it('accepts any end-tag delimiter after the name: attributes and a slash', () => {
    expectBefore('<head></head foo="x">', '</head');
    expectBefore('<head></head/>', '</head');
  });

  it('does not take a longer end tag name for </head>', () => {
    expect(decide('<head></header></headx>')).toEqual({ kind: 'none' });
  });

  it('takes the first </head> when there are several', () => {
    const html = '<head></head></head>';
    expect(decide(html)).toMatchObject({ offset: 6 });
  });

  it('counts the offset in bytes, not characters', () => {
    const html = '<head><meta name="é日本😀"></head>';
    expect(decide(html)).toMatchObject({
      offset: Buffer.byteLength('<head><meta name="é日本😀">'),
    });
  });

  it('decides on the delimiter after </head, without waiting for >', () => {
    const scanner = new InsertionPointScanner();
    expect(scanner.write(bytes('<head></head'))).toEqual({ kind: 'pending' });
    expect(scanner.write(bytes(' '))).toEqual({ kind: 'insert', offset: 6, anchor: 'head' });
  });

  it('is not an end tag when the body ends inside </head', () => {
    expect(decide('<head></head')).toEqual({ kind: 'none' });
  });
});

describe('skipped regions', () => {
  it('ignores </head> inside a comment', () => {
    const html = '<head><!-- </head> <body> --></head>';
    expect(decide(html)).toMatchObject({ offset: html.lastIndexOf('</head>'), anchor: 'head' });
  });

  it('ends a comment at --!> as browsers do', () => {
    const html = '<head><!-- x --!></head>';
    expect(decide(html)).toMatchObject({ offset: byteOffset(html, '</head>') });
  });

  it('ends the abrupt comments <!--> and <!---> at once', () => {
    expect(decide('<head><!--></head>')).toMatchObject({ offset: 11 });
    expect(decide('<head><!---></head>')).toMatchObject({ offset: 12 });
  });

  it('does not end a comment at --> split by other text, nor at ->', () => {
    const html = '<head><!-- -> -- > </head> --></head>';
    expect(decide(html)).toMatchObject({ offset: byteOffset(html, '--></head>') + 3 });
  });

  it('ends a comment at ---> with extra dashes', () => {
    const html = '<head><!-- a ---></head>';
    expect(decide(html)).toMatchObject({ offset: byteOffset(html, '</head>') });
  });

  it('ignores </head> inside <script>, until </SCRIPT > in any case', () => {
    const html = '<head><script>if (a</head>) "</head>"</SCRIPT ></head>';
    expect(decide(html)).toMatchObject({ offset: html.lastIndexOf('</head>') });
  });

  it('does not end <script> at a longer end tag such as </scripts>', () => {
    const html = '<head><script></scripts></head></script></head>';
    expect(decide(html)).toMatchObject({ offset: html.lastIndexOf('</head>') });
  });

  it('treats a script open tag with attributes and a self-closing slash as raw text', () => {
    const html = '<head><script src="a.js" async/></head></script></head>';
    expect(decide(html)).toMatchObject({ offset: html.lastIndexOf('</head>') });
  });

  it.each(['style', 'textarea', 'title', 'noscript', 'iframe', 'noembed', 'noframes', 'xmp'])(
    'ignores </head> and <body> inside <%s>',
    (element) => {
      const html = `<head><${element} class="x"></head><body></${element.toUpperCase()}\n></head>`;
      expect(decide(html)).toMatchObject({ offset: html.lastIndexOf('</head>'), anchor: 'head' });
    },
  );

  it('inside SVG, ignores </head> in <![CDATA[ … ]]>, which ends at ]]> only', () => {
    const html = '<head><svg><![CDATA[ </head> ]> ]] > ]]]></svg></head>';
    expect(decide(html)).toMatchObject({ offset: html.lastIndexOf('</head>') });
  });

  it('skips a doctype, processing instructions and other bogus comments', () => {
    const html = '<!DOCTYPE html><?xml version="1.0"?><!x></head>';
    expect(decide(html)).toMatchObject({ offset: html.indexOf('</head>') });
  });

  it('ignores </head> inside a quoted attribute value', () => {
    const html = `<head><meta content="</head>"><meta content='</head><body>'></head>`;
    expect(decide(html)).toMatchObject({ offset: html.lastIndexOf('</head>') });
  });

  it('reads an unquoted attribute value up to whitespace or >', () => {
    const html = '<head><meta content=a</head>b></head>';
    expect(decide(html)).toMatchObject({ offset: html.lastIndexOf('</head>') });
  });

  it('drops </> and turns </ followed by a non-letter into a bogus comment', () => {
    const html = '<head></><//head></head>';
    expect(decide(html)).toMatchObject({ offset: html.lastIndexOf('</head>') });
  });

  it('does not take < followed by a non-letter for a tag', () => {
    const html = '<head>a < b <<<1 </head>';
    expect(decide(html)).toMatchObject({ offset: html.indexOf('</head>') });
  });
});

describe('insertion point after <body>', () => {
  it('inserts right after the <body> open tag when there is no </head>', () => {
    expectAfter(
      '<!doctype html><html><body class="page"><p>x</p></body></html>',
      '<body class="page">',
    );
  });

  it('handles > inside quoted attribute values of the body tag', () => {
    expectAfter(`<body data-x="a>b" data-y='c>d'>text`, `<body data-x="a>b" data-y='c>d'>`);
  });

  it('matches <BODY> in any case, with whitespace and a self-closing slash', () => {
    expectAfter('<BODY\n>', '<BODY\n>');
    expectAfter('<Body/>', '<Body/>');
  });

  it('uses the body tag when it comes before any </head>', () => {
    expectAfter('<head><body></head>', '<body>');
  });

  it('does not take <tbody> or <bodyx> for <body>', () => {
    expect(decide('<table><tbody></tbody></table><bodyx>')).toEqual({ kind: 'none' });
  });

  it('does not take </body> for <body>', () => {
    expect(decide('<p>x</p></body>')).toEqual({ kind: 'none' });
  });

  it('finds a tag after a stray < that starts a tag', () => {
    expectAfter('<<body>', '<body>');
  });
});

describe('fragments', () => {
  it('has no insertion point in an htmx or Turbo partial', () => {
    expect(decide('<div id="row-1"><span>é</span></div>')).toEqual({ kind: 'none' });
    expect(decide('<turbo-stream action="replace"><template>x</template></turbo-stream>')).toEqual({
      kind: 'none',
    });
  });

  it('has no insertion point in an empty body', () => {
    expect(decide('')).toEqual({ kind: 'none' });
  });

  it('does not find the body in a comment or a script of a fragment', () => {
    expect(decide('<!-- <body> --><script>"<body>"</script>')).toEqual({ kind: 'none' });
  });
});

describe('guard', () => {
  it('exports the marker attribute among the guard strings', () => {
    expect(SNIPPET_MARKER_ATTRIBUTE).toBe('data-express-posthog');
    expect(GUARD_STRINGS).toEqual(['data-express-posthog', 'posthog.init(']);
  });

  it('leaves a page alone when the marker attribute comes before </head>', () => {
    expect(decide('<head><script data-express-posthog>x</script></head>')).toEqual({
      kind: 'guard',
    });
  });

  it('leaves a page alone when a script before </head> calls posthog.init(', () => {
    expect(decide('<head><script>posthog.init("k")</script></head>')).toEqual({ kind: 'guard' });
    expect(decide('<head><script>\n  window.posthog.init("k", {})</script></head>')).toEqual({
      kind: 'guard',
    });
  });

  it('keeps the snippet when posthog.init( or the marker is user text, not markup', () => {
    const pages = [
      '<head><title>Why I call posthog.init( twice</title></head>',
      '<head><!-- posthog.init( --></head>',
      '<head><meta name="description" content="posthog.init( data-express-posthog"></head>',
      '<head><body data-express-posthog><p>posthog.init(</p>',
      '<head><textarea>posthog.init(</textarea></head>',
      '<head><style>/* posthog.init( */</style></head>',
    ];
    for (const html of pages) expect(decide(html), html).toMatchObject({ kind: 'insert' });
  });

  it('only counts a guard before the insertion point (what a stream can know)', () => {
    const html = '<head></head><body><script>posthog.init("k")</script>';
    expect(decide(html)).toEqual({ kind: 'insert', offset: 6, anchor: 'head' });
  });

  it('matches posthog.init( case-sensitively, and the marker as an attribute name in any case', () => {
    expect(decide('<head><script>PostHog.Init(</script></head>')).toMatchObject({
      kind: 'insert',
    });
    expect(decide('<head><script DATA-EXPRESS-POSTHOG></script></head>')).toEqual({
      kind: 'guard',
    });
    expect(decide('<head><script data-express-posthogx></script></head>')).toMatchObject({
      kind: 'insert',
    });
  });

  it('finds a guard split across chunks, byte by byte', () => {
    const html = bytes('<head><script>posthog.init({})</script></head>');
    const chunks = [...html].map((b) => Uint8Array.of(b));
    expect(decideChunked(chunks)).toEqual({ kind: 'guard' });
  });

  it('decides guard as soon as it is known, before the insertion point arrives', () => {
    const scanner = new InsertionPointScanner();
    expect(scanner.write(bytes('<head><script>posthog.in'))).toEqual({ kind: 'pending' });
    expect(scanner.write(bytes('it(1)'))).toEqual({ kind: 'guard' });
  });
});

describe('streaming', () => {
  it('gives the same decision for every split of a token across two chunks', () => {
    const documents = [
      '<head><!-- </head> --><script>"</head>"</SCRIPT ><title></head></title></HEAD >',
      '<![CDATA[ </head> ]]><body data-x="a>b">',
      '<head><meta name="日本😀é"><textarea></head></textarea></head\n>',
      '<head><script>posthog.init(1)</script></head>',
      '<!---><!--></head>',
    ];
    for (const html of documents) {
      const whole = bytes(html);
      const expected = findInsertionPoint(whole);
      for (let cut = 0; cut <= whole.length; cut++) {
        const split = decideChunked([whole.subarray(0, cut), whole.subarray(cut)]);
        expect(split, `${html} cut at ${cut}`).toEqual(expected);
      }
    }
  });

  it('gives the same decision for one-byte chunks', () => {
    const whole = bytes('<head><style>/*</head>*/</style><!--x--!></head >');
    const chunks = [...whole].map((b) => Uint8Array.of(b));
    expect(decideChunked(chunks)).toEqual(findInsertionPoint(whole));
  });

  it('scans a Uint8Array view at a non-zero offset of its buffer', () => {
    const backing = new Uint8Array(64).fill(0x41);
    const view = backing.subarray(10, 10 + 13);
    view.set(bytes('<head></head>'));
    expect(findInsertionPoint(view)).toEqual({ kind: 'insert', offset: 6, anchor: 'head' });
  });

  it('keeps its final decision once made, whatever is written after', () => {
    const scanner = new InsertionPointScanner();
    const decision = scanner.write(bytes('<body>'));
    expect(decision).toEqual({ kind: 'insert', offset: 6, anchor: 'body' });
    expect(scanner.write(bytes('posthog.init(</head>'))).toBe(decision);
    expect(scanner.end()).toBe(decision);
  });

  it('reports the bytes scanned, up to the decision', () => {
    const scanner = new InsertionPointScanner();
    scanner.write(bytes('<p>'));
    expect(scanner.scanned).toBe(3);
    scanner.write(bytes('<body>rest'));
    expect(scanner.scanned).toBe(9);
  });
});

describe('HTML parsing rules a browser applies', () => {
  it('reads <![CDATA[ in HTML content as a bogus comment that ends at the first >', () => {
    // The browser ends the bogus comment at the first >: the </head> after it is real.
    const html = '<head><![CDATA[ x > </head> ]]><body>';
    expect(decide(html)).toEqual({
      kind: 'insert',
      offset: byteOffset(html, '</head>'),
      anchor: 'head',
    });
    // And a </head> inside it is hidden only up to that first >.
    const hidden = '<head><![CDATA[ </head> ]]><body>x';
    expect(decide(hidden)).toEqual({
      kind: 'insert',
      offset: byteOffset(hidden, 'x'),
      anchor: 'body',
    });
  });

  it('reads <![CDATA[ as a section inside SVG and MathML', () => {
    const html = '<html><body><svg><![CDATA[ <body> ]]></svg>';
    expect(decide(html)).toEqual({
      kind: 'insert',
      offset: byteOffset(html, '<svg>'),
      anchor: 'body',
    });
    expect(decide('<head></head><math><![CDATA[ x ]]></math>')).toMatchObject({ offset: 6 });
  });

  it('does not end a script at </script> in the double-escaped state (<!--<script>)', () => {
    const html =
      '<head><script><!--<script></head></script>"</head>"</script><title>t</title></head>';
    expect(decide(html)).toEqual({
      kind: 'insert',
      offset: byteOffset(html, '</head>', byteOffset(html, '<title>')),
      anchor: 'head',
    });
  });

  it('ends a script at </script> in the escaped state (<!-- without <script>)', () => {
    const html = '<head><script><!-- x </script></head>';
    expect(decide(html)).toEqual({
      kind: 'insert',
      offset: byteOffset(html, '</head>'),
      anchor: 'head',
    });
  });

  it('returns to plain script data after --> and ends at the next </script>', () => {
    const html = '<head><script><!--<script>--></script></head>';
    expect(decide(html)).toEqual({
      kind: 'insert',
      offset: byteOffset(html, '</head>'),
      anchor: 'head',
    });
  });

  it('treats everything after <plaintext> as text', () => {
    expect(decide('<head><plaintext></head><body>')).toEqual({ kind: 'none' });
  });

  it('leaves alone a body that starts with a UTF-16 byte-order mark, in any chunking', () => {
    for (const bom of [
      [0xff, 0xfe],
      [0xfe, 0xff],
    ]) {
      const body = Buffer.concat([Buffer.from(bom), Buffer.from('<head></head>', 'utf16le')]);
      expect(findInsertionPoint(body)).toEqual({ kind: 'utf-16' });
      expect(decideChunked([body.subarray(0, 1), body.subarray(1)])).toEqual({ kind: 'utf-16' });
    }
    // A UTF-8 byte-order mark is fine.
    const utf8 = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes('<head></head>')]);
    expect(findInsertionPoint(utf8)).toEqual({ kind: 'insert', offset: 9, anchor: 'head' });
  });
});

describe('complete documents without <head> and <body> tags', () => {
  it('inserts after the doctype when the document has nothing else', () => {
    const html = '<!doctype html><title>x</title><p>hi';
    expect(decide(html)).toEqual({ kind: 'insert', offset: 15, anchor: 'doctype' });
  });

  it('inserts after the <html> tag, and after a <head> start tag when there is one', () => {
    expect(decide('<!DOCTYPE html>\n<html lang="en"><title>x</title><p>hi')).toEqual({
      kind: 'insert',
      offset: Buffer.byteLength('<!DOCTYPE html>\n<html lang="en">'),
      anchor: 'html',
    });
    expect(decide('<html><head><meta charset="utf-8"><p>hi')).toEqual({
      kind: 'insert',
      offset: 12,
      anchor: 'head-start',
    });
  });

  it('allows comments, whitespace, a byte-order mark and <?xml?> before the document start', () => {
    const html = '\ufeff<?xml version="1.0"?>\n<!-- c --><html><p>x';
    expect(decide(html)).toEqual({
      kind: 'insert',
      offset: byteOffset(html, '<p>'),
      anchor: 'html',
    });
  });

  it('still prefers a later </head> or <body> to the fallback', () => {
    expect(decide('<!doctype html><title>x</title></head>')).toMatchObject({ anchor: 'head' });
  });

  it('leaves fragments alone: htmx and Turbo partials, text first', () => {
    for (const html of ['<div>x</div>', '<tr><td>1</td></tr>', 'hello <!doctype html><html>']) {
      expect(decide(html), html).toEqual({ kind: 'none' });
    }
  });
});

describe('a flush before the insertion point', () => {
  function flushAfter(html: string): InsertionDecision {
    const scanner = new InsertionPointScanner();
    scanner.write(bytes(html));
    return scanner.decideAtFlush();
  }

  it('inserts at the current position between tags of a document head', () => {
    const html = '<!doctype html><html><head><meta charset="utf-8">';
    expect(flushAfter(html)).toEqual({
      kind: 'insert',
      offset: bytes(html).length,
      anchor: 'flush',
    });
  });

  it('leaves the page alone when the flush falls inside a tag, a comment or raw text', () => {
    for (const html of [
      '<!doctype html><head><meta charset=',
      '<!doctype html><head><!-- c',
      '<!doctype html><head><title>x',
      '<!doctype html><head><script>var a = 1;',
      '<!doctype html><html><p>text in the middle of a word',
      '<div>a fragment',
    ]) {
      expect(flushAfter(html), html).toEqual({ kind: 'none' });
    }
  });
});
