import express from 'express';
import { afterAll, describe, expect, it } from 'vitest';
import { type AppCase, browser, page } from './harness/app-case.js';
import { insertionPoint, sharedCacheMayStore } from './harness/expected.js';
import { differences, type Expectation } from './harness/oracle.js';
import { caseDifferences, runCase, startVariants } from './harness/run.js';
import { agent, type WireResponse } from './harness/wire.js';

// The matrix is only as good as its oracle: these show it sees every kind of difference.

const SNIPPET = '<script data-express-posthog="">var who = {"state":"anonymous"};</script>';
const PAGE = page('T', '<p>x</p>');
const AT = PAGE.indexOf('</head>');

function response(rawHeaders: string[], body: string, status = 200): WireResponse {
  return {
    request: { method: 'GET', path: '/', headers: {} },
    status,
    rawHeaders,
    body: Buffer.from(body),
    firstContentMs: 0,
    endMs: 0,
  };
}

const injected = (body: string) => body.slice(0, AT) + SNIPPET + body.slice(AT);

const NONE: Expectation = {
  insertAt: undefined,
  changed: false,
  lengthUnknown: false,
  identity: undefined,
  addsPrivate: false,
  mayVaryAccept: false,
  nonce: undefined,
  earlyBytesMs: undefined,
};
const INJECT: Expectation = {
  ...NONE,
  insertAt: AT,
  changed: true,
  identity: { state: 'anonymous' },
};

describe('the expected insertion point, read independently of the package', () => {
  it.each([
    ['a page', PAGE, PAGE.indexOf('</head>')],
    [
      '`</head>` in a comment and a script first',
      '<html><head><!--</head>--><script>"</head>"</script></head><body>',
      52,
    ],
    ['no </head>: after <body …>', '<html><body class="a"><p>x', '<html><body class="a">'.length],
    ['no head or body tag, a doctype', '<!doctype html><title>x</title><p>hi', 15],
    ['no head or body tag, <html>', '<!doctype html><html lang=en><title>x</title>', 29],
    ['a fragment', '<div><p>partial</p></div>', undefined],
  ])('%s', (_name, body, expected) => {
    expect(insertionPoint(Buffer.from(body))).toBe(expected);
  });

  it.each([
    ['no cache headers', [], false],
    ['private', [['cache-control', 'private, max-age=60']], false],
    ['no-store', [['cache-control', 'no-store']], false],
    ['max-age alone', [['cache-control', 'max-age=60']], true],
    ['public', [['cache-control', 'public']], true],
    ['Expires', [['expires', 'Thu, 01 Jan 2099 00:00:00 GMT']], true],
    ['Vercel-CDN-Cache-Control', [['vercel-cdn-cache-control', 'max-age=60']], true],
  ] as const)('a shared cache may store a response with %s: %s', (_name, headers, expected) => {
    const map = new Map(headers.map(([k, v]) => [k, [v]]));
    expect(sharedCacheMayStore(map)).toBe(expected);
  });
});

describe('the oracle reports', () => {
  const base = response(
    ['Content-Type', 'text/html', 'Set-Cookie', 'a=1', 'Set-Cookie', 'b=2', 'Date', 'Mon'],
    PAGE,
  );

  it('nothing for identical responses, whatever the Date says', () => {
    const got = response(
      ['Set-Cookie', 'a=1', 'Content-Type', 'text/html', 'Set-Cookie', 'b=2', 'Date', 'Tue'],
      PAGE,
    );
    expect(differences(base, got, NONE)).toEqual([]);
  });

  it('a lost repeated header, a changed order of its values, an added header', () => {
    const lost = response(['Content-Type', 'text/html', 'Set-Cookie', 'b=2'], PAGE);
    expect(differences(base, lost, NONE)).toEqual([
      'header set-cookie: baseline ["a=1","b=2"], got ["b=2"]',
      'header date: baseline ["<per-run>"], got (absent)',
    ]);
    const swapped = response(
      [
        'Content-Type',
        'text/html',
        'Set-Cookie',
        'b=2',
        'Set-Cookie',
        'a=1',
        'Date',
        'x',
        'X-New',
        '1',
      ],
      PAGE,
    );
    expect(differences(base, swapped, NONE)).toEqual([
      'header set-cookie: baseline ["a=1","b=2"], got ["b=2","a=1"]',
      'header x-new: baseline (absent), got ["1"]',
    ]);
  });

  it('a snippet where none belongs, and the byte offset of a changed body', () => {
    const got = response(base.rawHeaders as string[], `${PAGE}!`);
    expect(differences(base, got, NONE)).toEqual([
      expect.stringMatching(
        new RegExp(
          `^body differs from the baseline at byte ${PAGE.length} \\(baseline ${PAGE.length} bytes .*, got ${PAGE.length + 1} bytes .*!"\\)$`,
        ),
      ),
    ]);
    const snippet = response(base.rawHeaders as string[], injected(PAGE));
    expect(differences(base, snippet, NONE)[0]).toBe(
      `body: no snippet belongs here, found 1 at byte ${AT}`,
    );
  });

  it('a missing, misplaced or doubled snippet, and a wrong identity', () => {
    expect(differences(base, base, INJECT)[0]).toMatch(
      /^body: expected exactly one snippet at byte \d+, found 0/,
    );
    const early = response(base.rawHeaders as string[], SNIPPET + PAGE);
    expect(differences(base, early, INJECT)).toContain(
      `body: snippet at byte 0, expected at byte ${AT} (baseline there: ${JSON.stringify(PAGE.slice(AT - 20, AT + 40))})`,
    );
    const twice = response(base.rawHeaders as string[], injected(injected(PAGE)));
    expect(differences(base, twice, INJECT)[0]).toMatch(/found 2 at byte/);
    const user = response(
      base.rawHeaders as string[],
      injected(PAGE).replace('"anonymous"', '"user","id":"u1"'),
    );
    expect(
      differences(base, user, { ...INJECT, identity: { state: 'withheld', forbidden: ['u1'] } }),
    ).toEqual([
      'identity: the snippet of a shared-cacheable page carries u1',
      'identity: expected state withheld, the snippet says {"state":"user","id":"u1"}',
    ]);
  });

  it('Content-Length, ETag and Last-Modified beyond the named edits', () => {
    const headers = [
      'Content-Type',
      'text/html',
      'Content-Length',
      String(PAGE.length),
      'ETag',
      'W/"a"',
      'Last-Modified',
      'Mon',
    ];
    const ref = response(headers, PAGE);
    const body = injected(PAGE);
    const exact = response(
      ['Content-Type', 'text/html', 'Content-Length', String(body.length), 'ETag', 'W/"a-ph1"'],
      body,
    );
    expect(differences(ref, exact, INJECT)).toEqual([]);
    const wrong = response(
      [
        'Content-Type',
        'text/html',
        'Content-Length',
        String(PAGE.length),
        'ETag',
        '"a-ph1"',
        'Last-Modified',
        'Mon',
      ],
      body,
    );
    expect(differences(ref, wrong, INJECT)).toEqual([
      `header content-length: baseline ["${PAGE.length}"], got ["${PAGE.length}"] (expected the baseline's plus the snippet's ${SNIPPET.length} bytes, or dropped)`,
      'header etag: baseline ["W/\\"a\\""], got ["\\"a-ph1\\""] (the body changed: the ETag must change (weakness kept) or go)',
      'header last-modified: baseline ["Mon"], got ["Mon"] (the body changed: Last-Modified must go)',
    ]);
    const untouched = response(
      [...headers.slice(0, 4), 'ETag', 'W/"a-ph1"', 'Last-Modified', 'Mon'],
      PAGE,
    );
    expect(differences(ref, untouched, NONE)).toEqual([
      'header etag: baseline ["W/\\"a\\""], got ["W/\\"a-ph1\\""] (the body is unchanged: validators must be)',
    ]);
  });

  it('Cache-Control: private missing where the identity went in, and Vary beyond Accept', () => {
    const ref = response(['Content-Type', 'text/html', 'Vary', 'Accept-Encoding'], PAGE);
    const body = injected(PAGE);
    const noPrivate = response(['Content-Type', 'text/html', 'Vary', 'Accept-Encoding'], body);
    expect(differences(ref, noPrivate, { ...INJECT, addsPrivate: true })).toEqual([
      'header cache-control: baseline (absent), got (absent) (the identity went in: expected Cache-Control: private added)',
    ]);
    const vary = response(['Content-Type', 'text/html', 'Vary', 'Accept, Accept-Encoding'], PAGE);
    expect(differences(ref, vary, { ...NONE, mayVaryAccept: true })).toEqual([]);
    expect(differences(ref, vary, NONE)).toEqual([
      'header vary: baseline ["Accept-Encoding"], got ["Accept, Accept-Encoding"]',
    ]);
  });
});

describe('the harness end to end', () => {
  const app: AppCase = {
    name: 'a page',
    routes(a) {
      a.get('/', (_req, res) => res.send(PAGE));
    },
    requests: [{ name: 'a page', steps: [{ path: '/', headers: browser('gzip') }] }],
  };
  afterAll(() => agent.destroy());

  it('catches a "package" that adds a header and one that drops a byte, in both copies', async () => {
    const servers = await startVariants(
      app,
      'compression → snippet',
      { express, fixtures: '', upstream: '' },
      () => (_req: any, res: any, next: (e?: unknown) => void) => {
        res.setHeader('X-Meddled', 'yes');
        const end = res.end;
        res.end = (chunk: string, ...rest: unknown[]) => end.call(res, chunk.slice(1), ...rest);
        next();
      },
    );
    try {
      const results = await runCase(servers, app.requests[0]!, 'harness');
      for (const variant of ['enabled', 'first-party', 'disabled'] as const) {
        const found = caseDifferences(results, variant, 'compression → snippet');
        expect(found).toContain('step 1 GET /: header x-meddled: baseline (absent), got ["yes"]');
        expect(found).toContainEqual(
          expect.stringMatching(/^step 1 GET \/: body differs from the baseline at byte 0 /),
        );
      }
    } finally {
      await servers.close();
    }
  });
});
