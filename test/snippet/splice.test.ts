import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createSplicer } from '../../src/snippet/splice.js';
import { findInsertionPoint } from '../helpers/insertion-point.js';
import { cut, type StreamDriver, spliceWhole, streamSplicer } from '../helpers/splice.js';

const SNIPPET = Buffer.from('<script data-express-posthog>posthog.init("phc_x")</script>');
const MiB = 4 * 1024 * 1024;

const bytes = (text: string): Buffer => Buffer.from(text, 'utf8');

interface Run {
  readonly output: Buffer;
  readonly writes: Buffer[];
  readonly splicer: StreamDriver;
}

/** Pushes `chunks` through a fresh splicer and ends it. */
function run(chunks: readonly Buffer[], maxBufferBytes = MiB): Run {
  const splicer = streamSplicer(SNIPPET, maxBufferBytes);
  const writes: Buffer[] = [];
  for (const chunk of chunks) writes.push(...splicer.push(chunk));
  writes.push(...splicer.end());
  return { output: Buffer.concat(writes), writes, splicer };
}

/** Every byte on its own. */
const oneByteChunks = (body: Buffer): Buffer[] => [...body].map((b) => Buffer.of(b));

describe('createSplicer', () => {
  it('injects before </head> and passes later chunks through as the same Buffers', () => {
    const splicer = streamSplicer(SNIPPET, MiB);
    expect(splicer.push(bytes('<html><head><title>t</ti'))).toEqual([]);
    expect(splicer.state).toBe('searching');
    expect(splicer.heldBytes).toBe(24);
    const out = splicer.push(bytes('tle></head><body>'));
    expect(Buffer.concat(out).toString()).toBe(
      `<html><head><title>t</title>${SNIPPET.toString()}</head><body>`,
    );
    expect(splicer.state).toBe('injected');
    expect(splicer.anchor).toBe('head');
    expect(splicer.reason).toBeUndefined();
    expect(splicer.heldBytes).toBe(0);
    const later = bytes('<p>rest</p>');
    const passed = splicer.push(later);
    expect(passed).toHaveLength(1);
    expect(passed[0]).toBe(later);
    expect(splicer.end()).toEqual([]);
  });

  it('splits the chunk that holds the insertion point into views, without copying', () => {
    const chunk = bytes('<head></head>');
    const { writes } = run([chunk]);
    expect(writes).toHaveLength(3);
    expect(writes[0]!.buffer).toBe(chunk.buffer);
    expect(writes[1]).toBe(SNIPPET);
    expect(writes[2]!.buffer).toBe(chunk.buffer);
  });

  it('inserts at a chunk boundary without empty writes', () => {
    const { writes } = run([bytes('<body>'), bytes('x')]);
    expect(writes.map((w) => w.toString())).toEqual(['<body>', SNIPPET.toString(), 'x']);
    expect(writes.every((w) => w.length > 0)).toBe(true);
  });

  it('injects right after the <body> tag of a head-less page, at once', () => {
    const splicer = streamSplicer(SNIPPET, MiB);
    const out = splicer.push(bytes('<!doctype html><body class="a>b">text'));
    expect(Buffer.concat(out).toString()).toBe(
      `<!doctype html><body class="a>b">${SNIPPET.toString()}text`,
    );
    expect(splicer.anchor).toBe('body');
  });

  it('releases a fragment unmodified at the end, reason no-insertion-point', () => {
    const splicer = streamSplicer(SNIPPET, MiB);
    const chunks = [bytes('<div>a'), bytes('b</div>')];
    expect(splicer.push(chunks[0]!)).toEqual([]);
    expect(splicer.push(chunks[1]!)).toEqual([]);
    const out = splicer.end();
    expect(out[0]).toBe(chunks[0]);
    expect(out[1]).toBe(chunks[1]);
    expect(splicer.state).toBe('passthrough');
    expect(splicer.reason).toBe('no-insertion-point');
  });

  it('leaves a page with the guard alone as soon as the guard is seen, reason guard', () => {
    const splicer = streamSplicer(SNIPPET, MiB);
    const out = splicer.push(bytes('<head><script>posthog.init({})'));
    expect(Buffer.concat(out).toString()).toBe('<head><script>posthog.init({})');
    expect(splicer.state).toBe('passthrough');
    expect(splicer.reason).toBe('guard');
  });

  it('does not inject twice into a page it already injected before </head>', () => {
    const once = spliceWhole(bytes('<head></head><body>x</body>'), SNIPPET);
    expect(once).toBeDefined();
    expect(spliceWhole(once!, SNIPPET)).toBeUndefined();
  });

  it('ignores empty chunks', () => {
    const splicer = streamSplicer(SNIPPET, MiB);
    expect(splicer.push(Buffer.alloc(0))).toEqual([]);
    expect(splicer.state).toBe('searching');
    splicer.push(bytes('<body>'));
    expect(splicer.push(Buffer.alloc(0))).toEqual([]);
  });

  it('returns nothing from end() after a decision', () => {
    const { splicer } = run([bytes('<body>')]);
    expect(splicer.end()).toEqual([]);
  });

  it.each([[-1], [1.5], [Number.NaN], ['4mb'], [undefined]])(
    'rejects maxBufferBytes %s with the option, the value and the fix',
    (value) => {
      expect(() => createSplicer({ maxBufferBytes: value as never })).toThrow(
        `createSplicer: \`maxBufferBytes\` must be a non-negative integer or Infinity, got ${String(value)}. Use a number of bytes, e.g. 4194304.`,
      );
    },
  );

  it('accepts Infinity and 0 as maxBufferBytes', () => {
    expect(run([bytes('<body>')], Number.POSITIVE_INFINITY).splicer.state).toBe('injected');
    const zero = run([bytes('<body>')], 0);
    expect(zero.splicer.reason).toBe('buffer-cap');
    expect(zero.output.toString()).toBe('<body>');
  });
});

describe('buffer cap', () => {
  // `</head` is decided on the byte after it: index 12 here, so 13 bytes must be allowed.
  const headPage = bytes('<head></head>0123456789');
  // `<body>` is decided on its `>`: index 5, so 6 bytes must be allowed.
  const bodyPage = bytes('<body>0123456789');

  it('injects when the </head> decision falls on the last byte allowed', () => {
    expect(run([headPage], 13).splicer.state).toBe('injected');
    expect(run(oneByteChunks(headPage), 13).splicer.state).toBe('injected');
  });

  it('releases the page unmodified when the </head> decision is one byte past the cap', () => {
    for (const chunks of [[headPage], oneByteChunks(headPage)]) {
      const { output, splicer } = run(chunks, 12);
      expect(splicer.state).toBe('passthrough');
      expect(splicer.reason).toBe('buffer-cap');
      expect(output.equals(headPage)).toBe(true);
    }
  });

  it('injects when the body tag ends exactly at the cap, and not one byte later', () => {
    expect(run([bodyPage], 6).splicer.anchor).toBe('body');
    expect(run([bodyPage], 5).splicer.reason).toBe('buffer-cap');
    expect(run(oneByteChunks(bodyPage), 5).output.equals(bodyPage)).toBe(true);
  });

  it('searches a body of exactly maxBufferBytes to its end', () => {
    const fragment = bytes('<div>0123</div>');
    const exact = run(oneByteChunks(fragment), fragment.length);
    expect(exact.splicer.reason).toBe('no-insertion-point');
    const over = run(oneByteChunks(fragment), fragment.length - 1);
    expect(over.splicer.reason).toBe('buffer-cap');
    expect(over.output.equals(fragment)).toBe(true);
  });

  it('releases held bytes as soon as the cap is passed, then streams', () => {
    const splicer = streamSplicer(SNIPPET, 8);
    expect(splicer.push(bytes('<div>'))).toEqual([]);
    const first = bytes('<p>');
    expect(splicer.push(first)).toEqual([]);
    const released = splicer.push(bytes('x<body>'));
    expect(Buffer.concat(released).toString()).toBe('<div><p>x<body>');
    expect(splicer.heldBytes).toBe(0);
    const later = bytes('</head>');
    expect(splicer.push(later)[0]).toBe(later);
  });
});

describe('spliceWhole', () => {
  it('returns a new body with the snippet before </head>', () => {
    const out = spliceWhole(bytes('<head></HEAD >'), SNIPPET);
    expect(out?.toString()).toBe(`<head>${SNIPPET.toString()}</HEAD >`);
  });

  it('returns undefined for a fragment, a guarded page and an empty body', () => {
    expect(spliceWhole(bytes('<li>x</li>'), SNIPPET)).toBeUndefined();
    expect(
      spliceWhole(bytes('<head><script data-express-posthog></script></head>'), SNIPPET),
    ).toBeUndefined();
    expect(spliceWhole(Buffer.alloc(0), SNIPPET)).toBeUndefined();
  });

  it('honours maxBufferBytes like the streaming splicer', () => {
    expect(spliceWhole(bytes('<body>x'), SNIPPET, { maxBufferBytes: 5 })).toBeUndefined();
    expect(spliceWhole(bytes('<body>x'), SNIPPET, { maxBufferBytes: 6 })).toBeDefined();
  });
});

/** A self-contained piece of HTML and what it means for the insertion point. */
interface Fragment {
  readonly html: string;
  /**
   * `head`: the point is at its start; `body`: at its end; `guard`: a guard lies in it;
   * `doctype`, `html`, `head-start`: a document start (the point at its end when nothing
   * better follows); `comment`: nothing, even at the document start; `text`: anything else.
   */
  readonly role: 'text' | 'comment' | 'head' | 'body' | 'guard' | 'doctype' | 'html' | 'head-start';
}

const FRAGMENTS: readonly Fragment[] = [
  { html: '<!-- </head> <body> -->', role: 'comment' },
  { html: '<!---->', role: 'comment' },
  { html: '<!-- a --!>', role: 'comment' },
  { html: '<![CDATA[ x ]]>', role: 'comment' },
  { html: '<script>var s = "</head>"; if (a<b) {}</script>', role: 'text' },
  { html: '<SCRIPT type="module">"</head><body>"</SCRIPT >', role: 'text' },
  { html: '<script><!--<script></head></script><body></script>', role: 'text' },
  { html: '<script><!-- "</head>" --></script>', role: 'text' },
  { html: '<script><!-- </script>', role: 'text' },
  { html: '<style>/* </head> */ a>b{}</style>', role: 'text' },
  { html: '<title></head> é</title>', role: 'text' },
  { html: '<title>Why I call posthog.init( twice</title>', role: 'text' },
  { html: '<p title="posthog.init(">data-express-posthog</p>', role: 'text' },
  { html: '<textarea name="t"><body></head></textarea>', role: 'text' },
  { html: '<svg><![CDATA[ </head> <body> ]]></svg>', role: 'text' },
  { html: '<!DOCTYPE html>', role: 'doctype' },
  { html: '<html lang="fr">', role: 'html' },
  { html: '<head>', role: 'head-start' },
  { html: '<meta charset="utf-8">', role: 'text' },
  { html: `<p title="</head>" data-a='<body>'>`, role: 'text' },
  { html: '<tbody>', role: 'text' },
  { html: '</div>', role: 'text' },
  { html: 'é', role: 'text' },
  { html: '日本', role: 'text' },
  { html: '😀', role: 'text' },
  { html: ' \n', role: 'comment' },
  { html: 'plain text -- > ]]> ', role: 'text' },
  { html: '</HEAD >', role: 'head' },
  { html: '</head>', role: 'head' },
  { html: '</Head\n>', role: 'head' },
  { html: '<body data-x="a>b">', role: 'body' },
  { html: "<BODY class='c'>", role: 'body' },
  { html: '<body>', role: 'body' },
  { html: '<script>posthog.init("k")</script>', role: 'guard' },
  { html: '<script data-express-posthog src="x"></script>', role: 'guard' },
];

/** The expected outcome of a document, from the roles of its fragments. */
type Expected =
  | { readonly kind: 'insert'; readonly offset: number; readonly decidedAt: number }
  | { readonly kind: 'guard' }
  | { readonly kind: 'none' };

/** The document's bytes, and its expected outcome worked out from the fragments. */
function build(fragments: readonly Fragment[]): { body: Buffer; expected: Expected } {
  let offset = 0;
  let expected: Expected = { kind: 'none' };
  // The document start: where the snippet goes when no </head> or <body> comes.
  let prologOpen = true;
  let fallback: { offset: number; after: Fragment['role'] } | undefined;
  for (const { html, role } of fragments) {
    const length = Buffer.byteLength(html);
    if (expected.kind === 'none') {
      if (role === 'guard') expected = { kind: 'guard' };
      // `</head` is decided on the byte after the 6 bytes of `</head`.
      if (role === 'head') expected = { kind: 'insert', offset, decidedAt: offset + 6 };
      if (role === 'body') {
        expected = { kind: 'insert', offset: offset + length, decidedAt: offset + length - 1 };
      }
    }
    if (prologOpen && role !== 'comment') {
      const end = offset + length;
      if (role === 'doctype' && fallback === undefined) fallback = { offset: end, after: role };
      else if (role === 'html' && (fallback === undefined || fallback.after === 'doctype')) {
        fallback = { offset: end, after: role };
      } else if (role === 'head-start' && fallback !== undefined && fallback.after !== role) {
        fallback = { offset: end, after: role };
      } else if (role !== 'doctype') prologOpen = false;
    }
    offset += length;
  }
  if (expected.kind === 'none' && fallback !== undefined) {
    expected = { kind: 'insert', offset: fallback.offset, decidedAt: offset };
  }
  return { body: Buffer.from(fragments.map((f) => f.html).join('')), expected };
}

const documentArbitrary = fc
  .array(fc.constantFrom(...FRAGMENTS), { maxLength: 24 })
  .map((fragments) => build(fragments));

/** Cut positions, as many as the document is long at most. */
const cutsArbitrary = fc.array(fc.nat({ max: 100_000 }), { maxLength: 40 });

describe('properties', () => {
  it('gives byte-identical output and the same decision however the body is chunked', () => {
    fc.assert(
      fc.property(documentArbitrary, cutsArbitrary, ({ body }, cuts) => {
        const whole = run([body]);
        const chunked = run(cut(body, cuts));
        expect(chunked.output.equals(whole.output)).toBe(true);
        expect(chunked.splicer.state).toBe(whole.splicer.state);
        expect(chunked.splicer.reason).toBe(whole.splicer.reason);
        expect(chunked.splicer.anchor).toBe(whole.splicer.anchor);
        expect(run(oneByteChunks(body)).output.equals(whole.output)).toBe(true);
      }),
      { numRuns: 400 },
    );
  });

  it('only adds the snippet, exactly once, at the expected offset', () => {
    fc.assert(
      fc.property(documentArbitrary, cutsArbitrary, ({ body, expected }, cuts) => {
        const { output, splicer } = run(cut(body, cuts));
        if (expected.kind !== 'insert') {
          expect(output.equals(body)).toBe(true);
          expect(splicer.reason).toBe(expected.kind === 'guard' ? 'guard' : 'no-insertion-point');
          expect(spliceWhole(body, SNIPPET)).toBeUndefined();
          return;
        }
        const { offset } = expected;
        expect(splicer.state).toBe('injected');
        expect(output.length).toBe(body.length + SNIPPET.length);
        expect(output.subarray(0, offset).equals(body.subarray(0, offset))).toBe(true);
        expect(output.subarray(offset, offset + SNIPPET.length).equals(SNIPPET)).toBe(true);
        expect(output.subarray(offset + SNIPPET.length).equals(body.subarray(offset))).toBe(true);
        expect(spliceWhole(body, SNIPPET)?.equals(output)).toBe(true);
      }),
      { numRuns: 400 },
    );
  });

  it('leaves the body untouched when the insertion point is not decided within the cap', () => {
    fc.assert(
      fc.property(
        documentArbitrary,
        cutsArbitrary,
        fc.nat({ max: 400 }),
        ({ body, expected }, cuts, cap) => {
          const capped = run(cut(body, cuts), cap);
          const uncapped = run([body], Number.POSITIVE_INFINITY).output;
          const withinCap =
            expected.kind === 'insert' && (expected.decidedAt < cap || body.length <= cap);
          expect(capped.output.equals(withinCap ? uncapped : body)).toBe(true);
          if (expected.kind === 'insert' && !withinCap) {
            expect(capped.splicer.reason).toBe('buffer-cap');
          }
          expect(run([body], cap).output.equals(capped.output)).toBe(true);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('agrees with itself on arbitrary markup soup, split anywhere', () => {
    const soup = fc
      .array(
        fc.constantFrom(
          '<',
          '</',
          '<!',
          '<!-',
          '-',
          '--',
          '>',
          '/',
          '"',
          "'",
          '=',
          ' ',
          '\n',
          ']',
          ']]',
          '[CDATA[',
          'head',
          'HEAD',
          'body',
          'script',
          'title',
          'style',
          'a',
          'é',
          '😀',
          'posthog.init(',
          'data-express-',
          'posthog',
          '?',
        ),
        { maxLength: 60 },
      )
      .map((parts) => Buffer.from(parts.join('')));
    fc.assert(
      fc.property(soup, cutsArbitrary, (body, cuts) => {
        const whole = run([body]);
        const chunked = run(cut(body, cuts));
        expect(chunked.output.equals(whole.output)).toBe(true);
        expect(chunked.splicer.reason).toBe(whole.splicer.reason);
        const decision = findInsertionPoint(body);
        if (decision.kind === 'insert') {
          expect(whole.output.length).toBe(body.length + SNIPPET.length);
        } else {
          expect(whole.output.equals(body)).toBe(true);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
