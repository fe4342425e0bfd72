import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import compression from 'compression';
import type { Express } from 'express';
import request from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import { type PosthogSnippetOptions, posthogSnippet } from '../../src/snippet/posthog-snippet.js';
import { HOSTILE } from '../fixtures/cli/hostile-values.js';
import { enabledClient } from '../helpers/client.js';
import { expressVersions } from '../helpers/express-versions.js';
import { bootUrlOf, PAGE, SNIPPET_TAG, snippetCount, snippetIdentityOf } from '../helpers/html.js';
import { recordingLogger } from '../helpers/logger.js';

const STATIC_PAGE = fileURLToPath(new URL('../fixtures/static-page.html', import.meta.url));
const { client, logger } = enabledClient('http://127.0.0.1:9', {
  environment: 'test',
  release: 'r1',
});
afterAll(() => client.shutdown(100));

describe.each(expressVersions)('posthogSnippet on $name', ({ express }) => {
  function app(
    routes: (app: Express) => void,
    options: PosthogSnippetOptions = {},
    before?: (app: Express) => void,
  ): Express {
    const app = express();
    before?.(app);
    app.use(compression({ threshold: 0 }));
    app.use(posthogSnippet({ client, ...options }));
    routes(app);
    return app;
  }

  it('puts the snippet exactly once right before </head>, and gzip still applies', async () => {
    const res = await request(app((a) => a.get('/', (_req, res) => res.send(PAGE))))
      .get('/')
      .set('Accept-Encoding', 'gzip');
    expect(res.headers['content-encoding']).toBe('gzip');
    expect(snippetCount(res.text)).toBe(1);
    expect(res.text).toMatch(
      /<title>Hi<\/title><script data-express-posthog=[^>]*><\/script><\/head><body>/,
    );
    expect(res.text.replace(SNIPPET_TAG, '')).toBe(PAGE);
  });

  it.each([
    ['an Error', () => new Error('nonce store down')],
    ['an object with no prototype', () => Object.create(null)],
    ['a revoked Proxy', HOSTILE['revoked-proxy']!],
    ['a Proxy whose traps throw', HOSTILE['throwing-proxy']!],
  ])(
    'sends the page unmodified, once logged, when the nonce function throws %s',
    async (_what, thrown) => {
      const { client: own, logger: log } = enabledClient('http://127.0.0.1:9');
      try {
        const served = app((a) => a.get('/', (_req, res) => res.send(PAGE)), {
          client: own,
          nonce: () => {
            throw thrown();
          },
        });
        for (let i = 0; i < 2; i += 1) {
          const res = await request(served).get('/').set('Accept-Encoding', 'identity');
          expect(res.status).toBe(200);
          expect(res.text).toBe(PAGE);
        }
        const errors = log.lines.filter(
          (line) => line.level === 'error' && line.message.includes('could not render'),
        );
        expect(errors).toHaveLength(1);
      } finally {
        await own.shutdown(100);
      }
    },
  );

  it('keeps Content-Length exact when the body is sent whole', async () => {
    const res = await request(app((a) => a.get('/', (_req, res) => res.send(PAGE))))
      .get('/')
      .set('Accept-Encoding', 'identity');
    expect(snippetCount(res.text)).toBe(1);
    expect(Number(res.headers['content-length'])).toBe(Buffer.byteLength(res.text));
  });

  it('keeps Content-Length exact when the body streams in chunks after setting it', async () => {
    const body = Buffer.from(PAGE);
    const res = await request(
      app((a) =>
        a.get('/', (_req, res) => {
          res.setHeader('Content-Type', 'text/html; charset=utf-8');
          res.setHeader('Content-Length', body.length);
          for (let i = 0; i < body.length; i += 7) res.write(body.subarray(i, i + 7));
          res.end();
        }),
      ),
    )
      .get('/')
      .set('Accept-Encoding', 'identity');
    expect(snippetCount(res.text)).toBe(1);
    expect(Number(res.headers['content-length'])).toBe(Buffer.byteLength(res.text));
  });

  it('keeps Content-Length exact when the app writes its headers before the body', async () => {
    const res = await request(
      app((a) =>
        a.get('/', (_req, res) => {
          res.writeHead(200, {
            'Content-Type': 'text/html',
            'Content-Length': Buffer.byteLength(PAGE),
          });
          res.end(PAGE);
        }),
      ),
    )
      .get('/')
      .set('Accept-Encoding', 'identity');
    expect(snippetCount(res.text)).toBe(1);
    expect(Number(res.headers['content-length'])).toBe(Buffer.byteLength(res.text));
  });

  it('changes the ETag with the snippet, so a held copy never gets a 304 for another snippet', async () => {
    const server = app((a) => a.get('/', (_req, res) => res.send(PAGE)));
    const plain = express();
    plain.get('/', (_req, res) => res.send(PAGE));
    const original = (await request(plain).get('/')).headers.etag;
    const res = await request(server).get('/').set('Accept-Encoding', 'identity');
    expect(original).toBeTruthy();
    expect(res.headers.etag).toBeTruthy();
    expect(res.headers.etag).not.toBe(original);
    const again = await request(server)
      .get('/')
      .set('Accept', 'text/html')
      .set('If-None-Match', original!);
    expect(again.status).toBe(200);
    expect(snippetCount(again.text)).toBe(1);
  });

  it('answers 304 when the client holds this very page, snippet included', async () => {
    const server = app((a) =>
      a.get('/', (req, res) => {
        if (req.headers['x-user']) (req as any).user = { id: String(req.headers['x-user']) };
        res.send(PAGE);
      }),
    );
    const first = await request(server).get('/').set('Accept', 'text/html').set('x-user', 'u1');
    const same = await request(server)
      .get('/')
      .set('Accept', 'text/html')
      .set('x-user', 'u1')
      .set('If-None-Match', first.headers.etag!);
    expect(same.status).toBe(304);
    expect(same.text ?? '').toBe('');
    const otherUser = await request(server)
      .get('/')
      .set('Accept', 'text/html')
      .set('x-user', 'u2')
      .set('If-None-Match', first.headers.etag!);
    expect(otherUser.status).toBe(200);
    expect(snippetIdentityOf(otherUser.text)).toMatchObject({ id: 'u2' });
  });

  it('never answers 304 from Last-Modified for an injected file', async () => {
    const server = app((a) => a.get('/file', (_req, res) => res.sendFile(STATIC_PAGE)));
    const first = await request(server).get('/file').set('Accept', 'text/html');
    expect(first.headers['last-modified']).toBeUndefined();
    const again = await request(server)
      .get('/file')
      .set('Accept', 'text/html')
      .set('If-Modified-Since', new Date(Date.now() + 60_000).toUTCString());
    expect(again.status).toBe(200);
    expect(snippetCount(again.text)).toBe(1);
  });

  it('answers HEAD without a stale Content-Length', async () => {
    const res = await request(app((a) => a.get('/', (_req, res) => res.send(PAGE)))).head('/');
    expect(res.status).toBe(200);
    expect(res.headers['content-length']).toBeUndefined();
  });

  it('injects error pages rendered as full HTML (404, 500)', async () => {
    const server = app((a) => {
      a.get('/boom', () => {
        throw new Error('boom');
      });
      a.use((_req, res) => res.status(404).send(PAGE.replace('Hello', 'Not found')));
      a.use((_err: unknown, _req: unknown, res: any, _next: unknown) => res.status(500).send(PAGE));
    });
    const missing = await request(server).get('/nope');
    expect(missing.status).toBe(404);
    expect(snippetCount(missing.text)).toBe(1);
    const failed = await request(server).get('/boom');
    expect(failed.status).toBe(500);
    expect(snippetCount(failed.text)).toBe(1);
  });

  it('injects an .html file sent with res.sendFile, with an exact length', async () => {
    const res = await request(app((a) => a.get('/file', (_req, res) => res.sendFile(STATIC_PAGE))))
      .get('/file')
      .set('Accept-Encoding', 'identity');
    expect(res.status).toBe(200);
    expect(snippetCount(res.text)).toBe(1);
    expect(Number(res.headers['content-length'])).toBe(Buffer.byteLength(res.text));
    expect(res.text.replace(SNIPPET_TAG, '')).toBe(readFileSync(STATIC_PAGE, 'utf8'));
  });

  const UNTOUCHED: [string, (a: Express) => void, number][] = [
    ['204', (a) => a.get('/', (_req, res) => res.status(204).end()), 204],
    ['304', (a) => a.get('/', (_req, res) => res.status(304).type('html').end()), 304],
    [
      '206',
      (a) =>
        a.get('/', (_req, res) => {
          res
            .status(206)
            .set('Content-Range', `bytes 0-9/${PAGE.length}`)
            .type('html')
            .send(PAGE.slice(0, 10));
        }),
      206,
    ],
    [
      'no-transform',
      (a) => a.get('/', (_req, res) => res.set('Cache-Control', 'no-transform').send(PAGE)),
      200,
    ],
    ['JSON', (a) => a.get('/', (_req, res) => res.json({ html: '</head><body>' })), 200],
    [
      'a PDF holding </head>',
      (a) =>
        a.get('/', (_req, res) =>
          res.type('application/pdf').send(Buffer.from(`%PDF-1.4 ${PAGE}`)),
        ),
      200,
    ],
    [
      'binary holding </head>',
      (a) =>
        a.get('/', (_req, res) => res.type('application/octet-stream').send(Buffer.from(PAGE))),
      200,
    ],
    [
      'an htmx fragment',
      (a) => a.get('/', (_req, res) => res.send('<div id="row">updated</div>')),
      200,
    ],
    [
      'UTF-16 HTML',
      (a) =>
        a.get('/', (_req, res) =>
          res.type('text/html; charset=utf-16le').send(Buffer.from(PAGE, 'utf16le')),
        ),
      200,
    ],
    [
      'HTML already gzipped upstream',
      (a) =>
        a.get('/', (_req, res) => {
          res.set({ 'Content-Type': 'text/html', 'Content-Encoding': 'gzip' }).end(gzipSync(PAGE));
        }),
      200,
    ],
  ];
  it.each(UNTOUCHED)('leaves %s untouched', async (_name, routes, status) => {
    const injected = app(routes);
    const plain = express();
    plain.use(compression({ threshold: 0 }));
    routes(plain);
    const [a, b] = await Promise.all([
      request(injected).get('/').set('Accept-Encoding', 'identity').buffer(true).parse(rawParser),
      request(plain).get('/').set('Accept-Encoding', 'identity').buffer(true).parse(rawParser),
    ]);
    expect(a.status).toBe(status);
    expect(Buffer.compare(a.body as Buffer, b.body as Buffer)).toBe(0);
    expect((a.body as Buffer).includes('data-express-posthog')).toBe(false);
    expect(a.headers['content-length']).toBe(b.headers['content-length']);
  });

  it('fires finish listeners on every path', async () => {
    const finished: string[] = [];
    const server = app(
      (a) => {
        a.get('/html', (_req, res) => res.send(PAGE));
        a.get('/json', (_req, res) => res.json({}));
        a.get('/fragment', (_req, res) => res.send('<p>x</p>'));
        a.get('/stream', (_req, res) => {
          res.type('html');
          res.write('<html><head>');
          setTimeout(() => res.end('</head><body></body></html>'), 5);
        });
        a.get('/empty', (_req, res) => res.status(204).end());
      },
      {},
      (a) =>
        a.use((req, res, next) => {
          res.on('finish', () => finished.push(req.path));
          next();
        }),
    );
    for (const path of ['/html', '/json', '/fragment', '/stream', '/empty'])
      await request(server).get(path);
    expect(finished.sort()).toEqual(['/empty', '/fragment', '/html', '/json', '/stream']);
  });

  it('withholds the identity on a public page, whoever asks', async () => {
    const routes = (a: Express) =>
      a.get('/', (req, res) => {
        if (req.headers['x-user'])
          (req as any).user = { id: req.headers['x-user'], email: 'a@x.io' };
        res.set('Cache-Control', 'public, max-age=60').send(PAGE);
      });
    const server = app(routes);
    const asUser = await request(server).get('/').set('x-user', 'u1');
    const anonymous = await request(server).get('/');
    expect(snippetIdentityOf(asUser.text)).toEqual({ state: 'withheld' });
    expect(asUser.text).not.toContain('a@x.io');
    expect(asUser.text).toBe(anonymous.text);
  });

  it('carries the user as the identify mode allows on a private page', async () => {
    const server = app((a) =>
      a.get('/', (req, res) => {
        (req as any).user = { id: 'u1', email: 'a@x.io', name: 'Ada' };
        res.send(PAGE);
      }),
    );
    const res = await request(server).get('/');
    expect(snippetIdentityOf(res.text)).toEqual({
      state: 'user',
      id: 'u1',
      props: { user_id: 'u1', user_email: 'a@x.io' },
    });
    expect(res.text).not.toContain('Ada');
  });

  it.each([
    'must-revalidate',
    'proxy-revalidate',
    'stale-while-revalidate=60',
    'stale-if-error=600',
    'immutable',
    'no-cache',
  ])(
    'appends private to Cache-Control %j of a page that carries the user (no shared cache may keep it)',
    async (directives) => {
      const server = app((a) =>
        a.get('/', (req, res) => {
          (req as any).user = { id: 'u1', email: 'a@x.io' };
          res.set('Cache-Control', directives).send(PAGE);
        }),
      );
      const res = await request(server).get('/');
      expect(snippetIdentityOf(res.text)).toMatchObject({ state: 'user', id: 'u1' });
      expect(res.headers['cache-control']).toBe(`${directives}, private`);
    },
  );

  it('keeps an anonymous page’s Cache-Control as the app set it', async () => {
    const server = app((a) =>
      a.get('/', (_req, res) => res.set('Cache-Control', 'must-revalidate').send(PAGE)),
    );
    const res = await request(server).get('/');
    expect(snippetIdentityOf(res.text)).toEqual({ state: 'anonymous' });
    expect(res.headers['cache-control']).toBe('must-revalidate');
  });

  it('marks an anonymous page as anonymous', async () => {
    const res = await request(app((a) => a.get('/', (_req, res) => res.send(PAGE)))).get('/');
    expect(snippetIdentityOf(res.text)).toEqual({ state: 'anonymous' });
  });

  it('puts the CSP nonce from res.locals.cspNonce on the script tag, escaped', async () => {
    const res = await request(
      app((a) =>
        a.get('/', (_req, res) => {
          res.locals.cspNonce = 'abc"><x';
          res.send(PAGE);
        }),
      ),
    ).get('/');
    expect(res.text).toContain('.js" nonce="abc&quot;&gt;&lt;x"></script>');
  });

  it('leaves a response to an API client alone, even an HTML one, byte for byte', async () => {
    const site = app((a) => a.get('/', (_req, res) => res.send(PAGE)));
    const api = await request(site)
      .get('/')
      .set('Accept', 'application/json')
      .set('Accept-Encoding', 'identity');
    expect(api.text).toBe(PAGE);
    expect(Number(api.headers['content-length'])).toBe(Buffer.byteLength(PAGE));
    for (const accept of ['*/*', 'application/json, text/plain, */*', 'text/html']) {
      const page = await request(site).get('/').set('Accept', accept);
      expect(snippetCount(page.text), accept).toBe(1);
    }
  });

  it('answers a script fetch, a prefetch and a navigation of a page with the same bytes', async () => {
    const site = app((a) => a.get('/', (_req, res) => res.send(PAGE)));
    const requests = {
      navigation: { Accept: 'text/html', 'Sec-Fetch-Dest': 'document' },
      'fetch()': { Accept: '*/*', 'Sec-Fetch-Dest': 'empty' },
      'Firefox prefetch': { Accept: '*/*', 'Sec-Fetch-Dest': 'empty', 'Sec-Purpose': 'prefetch' },
    };
    const bodies = new Set<string>();
    for (const [name, headers] of Object.entries(requests)) {
      const res = await request(site).get('/').set(headers).set('Accept-Encoding', 'identity');
      expect(snippetCount(res.text), name).toBe(1);
      bodies.add(res.text);
    }
    expect(bodies.size).toBe(1);
  });

  it('says Vary: Accept on what it left alone for an API client, once', async () => {
    const site = app((a) => {
      a.get('/plain', (_req, res) => res.send(PAGE));
      a.get('/origin', (_req, res) => res.vary('Origin').send(PAGE));
      a.get('/already', (_req, res) => res.set('Vary', 'accept').send(PAGE));
    });
    const api = (path: string) =>
      request(site).get(path).set('Accept', 'application/json').set('Accept-Encoding', 'identity');
    // compression() (in front) adds Accept-Encoding; the app's own Vary is kept.
    expect((await api('/plain')).headers.vary).toBe('Accept, Accept-Encoding');
    expect((await api('/origin')).headers.vary).toBe('Accept, Origin, Accept-Encoding');
    expect((await api('/already')).headers.vary).toBe('accept, Accept-Encoding');
    const browser = await request(site).get('/plain').set('Accept', 'text/html');
    expect(browser.headers.vary).toBe('Accept-Encoding');
  });

  it('leaves a page alone when shouldInject says no', async () => {
    const res = await request(
      app((a) => a.get('/', (_req, res) => res.send(PAGE)), { shouldInject: () => false }),
    ).get('/');
    expect(snippetCount(res.text)).toBe(0);
  });
});

function rawParser(res: any, callback: (error: Error | null, body: Buffer) => void) {
  const chunks: Buffer[] = [];
  res.on('data', (chunk: Buffer) => chunks.push(chunk));
  res.on('end', () => callback(null, Buffer.concat(chunks)));
}

describe('posthogSnippet options', () => {
  it('passes through when PostHog is disabled', async () => {
    const { default: express } = await import('express');
    const { loadConfig } = await import('../../src/core/config/index.js');
    const { PosthogClient } = await import('../../src/core/client/index.js');
    const off = new PosthogClient({ config: loadConfig({}, { logger: recordingLogger() }) });
    const a = express();
    a.use(posthogSnippet({ client: off }));
    a.get('/', (_req, res) => res.send(PAGE));
    expect((await request(a).get('/')).text).toBe(PAGE);
  });

  it.each([
    [
      { maxBufferBytes: '4mb' },
      'posthogSnippet: `maxBufferBytes` must be a positive integer (bytes), got "4mb". Use a number of bytes, e.g. 4194304.',
    ],
    [
      { maxBufferBytes: 0 },
      'posthogSnippet: `maxBufferBytes` must be a positive integer (bytes), got 0. Use a number of bytes, e.g. 4194304.',
    ],
    [
      { nonce: 'abc' },
      'posthogSnippet: `nonce` must be a function, got "abc". Pass a function such as (req, res) => res.locals.cspNonce.',
    ],
    [
      { getUser: () => undefined },
      'posthogSnippet: `getUser` was removed: the snippet now reads the user that posthogUser() resolved, sync or async. Move it: app.use(posthogUser({ getUser })), registered after your auth.',
    ],
    [{ jsSrc: 'unpkg' }, "posthogSnippet: `jsSrc` must be 'cdn' or 'self', got \"unpkg\"."],
  ])('throws at construction for %j', (options, message) => {
    expect(() => posthogSnippet({ client, ...(options as object) })).toThrow(message);
  });

  it('accepts () and {}', () => {
    expect(typeof posthogSnippet({ client })).toBe('function');
    expect(typeof posthogSnippet()).toBe('function');
  });

  it('says how to register it when used without being called', () => {
    expect(() => (posthogSnippet as any)({ method: 'GET', headers: {} }, {}, () => {})).toThrow(
      'posthogSnippet: call it — app.use(posthogSnippet()) — instead of passing posthogSnippet itself to Express.',
    );
  });

  it('logs once that it was registered before compression() when it sees gzipped HTML', async () => {
    const { default: express } = await import('express');
    const before = enabledClient('http://127.0.0.1:9');
    const a = express();
    a.use(posthogSnippet({ client: before.client }));
    a.use(compression({ threshold: 0 }));
    a.get('/', (_req, res) => res.send(PAGE));
    await request(a).get('/').set('Accept-Encoding', 'gzip');
    await request(a).get('/').set('Accept-Encoding', 'gzip');
    const warnings = before.logger.warnings().filter((w) => w.includes('after compression()'));
    expect(warnings).toHaveLength(1);
    await before.client.shutdown(100);
  });
});

// keep the logger referenced: the suite's client logs through it
void logger;

describe('posthogSnippet registered twice', () => {
  it('injects once, even on a page without </head>', async () => {
    const { default: express } = await import('express');
    const a = express();
    a.use(posthogSnippet({ client }));
    a.use(posthogSnippet({ client }));
    a.get('/', (_req, res) => res.send('<html><body><p>no head</p></body></html>'));
    expect(snippetCount((await request(a).get('/')).text)).toBe(1);
  });
});

describe('posthogSnippet with the first-party bundle (jsSrc self)', () => {
  /** The page and the boot script it loads, as the browser gets them. */
  async function pageAndBoot(a: Express): Promise<{ page: string; boot: string }> {
    const page = (await request(a).get('/')).text;
    const url = bootUrlOf(page);
    expect(url).toMatch(/^\/_posthog\/boot\.[0-9a-f]{16}\.js$/);
    const boot = await request(a).get(url!).set('Accept-Encoding', 'identity');
    expect(boot.status).toBe(200);
    return { page, boot: boot.text };
  }

  it('serves posthog-js array.full.js at a hashed URL with a year of caching, precompressed, and points the loader at it', async () => {
    const { default: express } = await import('express');
    const { gunzipSync, brotliDecompressSync } = await import('node:zlib');
    const a = express();
    a.use(compression());
    a.use(posthogSnippet({ client, jsSrc: 'self' }));
    a.get('/', (_req, res) => res.send(PAGE));
    const { boot } = await pageAndBoot(a);
    const name = /"src":"(array\.full\.[0-9a-f]{16}\.js)"/.exec(boot)?.[1];
    const src = name && `/_posthog/${name}`;
    expect(src).toBeTruthy();
    const installed = readFileSync(
      fileURLToPath(import.meta.resolve('posthog-js/dist/array.full.js')),
    );
    // Raw bytes as sent (supertest would decode them).
    const server = a.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as import('node:net').AddressInfo;
    const { get: httpGet } = await import('node:http');
    const get = (encoding: string) =>
      new Promise<{ status: number; headers: Record<string, string | undefined>; body: Buffer }>(
        (resolve, reject) => {
          httpGet(
            { port, host: '127.0.0.1', path: src!, headers: { 'accept-encoding': encoding } },
            (res) => {
              const chunks: Buffer[] = [];
              res.on('data', (chunk: Buffer) => chunks.push(chunk));
              res.on('end', () =>
                resolve({
                  status: res.statusCode ?? 0,
                  headers: res.headers as Record<string, string | undefined>,
                  body: Buffer.concat(chunks),
                }),
              );
            },
          ).on('error', reject);
        },
      );
    const plain = await get('identity');
    expect(plain.status).toBe(200);
    expect(plain.headers['cache-control']).toBe(
      'public, max-age=31536000, immutable, no-transform',
    );
    expect(plain.headers['content-type']).toMatch(/javascript/);
    expect(Buffer.compare(plain.body as Buffer, installed)).toBe(0);
    const gzip = await get('gzip, deflate');
    expect(gzip.headers['content-encoding']).toBe('gzip');
    expect(Buffer.compare(gunzipSync(gzip.body as Buffer), installed)).toBe(0);
    // Brotli is made in the background at start-up (seconds on a busy core); gzip is served until it is ready.
    await expect
      .poll(async () => (await get('br, gzip')).headers['content-encoding'], { timeout: 15_000 })
      .toBe('br');
    const br = await get('br, gzip');
    expect(Buffer.compare(brotliDecompressSync(br.body as Buffer), installed)).toBe(0);
    expect(br.headers.vary).toBe('Accept-Encoding');
    const cached = await request(a)
      .get(src!)
      .set('Accept-Encoding', 'br')
      .set('If-None-Match', br.headers.etag!);
    expect(cached.status).toBe(304);
    server.close();
  });

  it('points the cdn loader at the assets host derived from the API host', async () => {
    const { default: express } = await import('express');
    const eu = enabledClient('https://eu.i.posthog.com');
    const a = express();
    a.use(posthogSnippet({ client: eu.client }));
    a.get('/', (_req, res) => res.send(PAGE));
    const { boot } = await pageAndBoot(a);
    expect(boot).toContain('"src":"https://eu-assets.i.posthog.com/static/array.js"');
    expect(boot).toContain('"api_host":"https://eu.i.posthog.com"');
    expect(boot).not.toContain('ui_host');
    await eu.client.shutdown(50);
  });

  it('never renders the secret key into the page or the boot script, in either delivery', async () => {
    const { default: express } = await import('express');
    const withSecret = enabledClient('http://127.0.0.1:9', { secretKey: 'phs_top_secret' });
    const boot = express();
    boot.use(posthogSnippet({ client: withSecret.client }));
    boot.get('/', (_req, res) => res.send(PAGE));
    const served = await pageAndBoot(boot);
    expect(snippetCount(served.page)).toBe(1);
    expect(served.boot).toContain('phc_test');
    const inline = express();
    inline.use(posthogSnippet({ client: withSecret.client, delivery: 'inline' }));
    inline.get('/', (_req, res) => res.send(PAGE));
    const page = (await request(inline).get('/')).text;
    expect(page).toContain('phc_test');
    for (const text of [served.page, served.boot, page])
      expect(text).not.toContain('phs_top_secret');
    await withSecret.client.shutdown(50);
  });

  it('puts one tag of at most 300 bytes into an anonymous page, and 500 for a logged-in user', async () => {
    const { default: express } = await import('express');
    const { setRequestUser } = await import('../../src/core/attribution/request-user.js');
    const a = express();
    a.use(posthogSnippet({ client }));
    a.get('/', (_req, res) => res.send(PAGE));
    a.get('/user', (req, res) => {
      setRequestUser(req, {
        id: 'user-0123456789',
        email: 'ada.lovelace@example.com',
        name: 'Ada',
      });
      res.send(PAGE);
    });
    const anonymous = (await request(a).get('/')).text;
    const user = (await request(a).get('/user')).text;
    expect(Buffer.byteLength(anonymous) - Buffer.byteLength(PAGE)).toBeLessThanOrEqual(300);
    expect(Buffer.byteLength(user) - Buffer.byteLength(PAGE)).toBeLessThanOrEqual(500);
    expect(snippetIdentityOf(user)).toMatchObject({ state: 'user', id: 'user-0123456789' });
  });
});

describe('posthogSnippet debug lines', () => {
  it('says why a response was not injected to a logger that wants debug lines, and builds none otherwise', async () => {
    const { default: express } = await import('express');
    const wants = { ...recordingLogger(), isLevelEnabled: () => true };
    const quiet = { ...recordingLogger(), isLevelEnabled: (level: string) => level !== 'debug' };
    // A plain console-like logger says nothing of its levels: it must not get a line per response.
    const plain = recordingLogger();
    for (const logger of [wants, quiet, plain]) {
      const { PosthogClient } = await import('../../src/core/client/index.js');
      const { loadConfig } = await import('../../src/core/config/index.js');
      const c = new PosthogClient({
        config: loadConfig({}, { apiKey: 'phc_x', host: 'http://127.0.0.1:9', logger }),
      });
      const a = express();
      a.use(posthogSnippet({ client: c }));
      a.get('/api/items', (_req, res) => res.json({ ok: true }));
      await request(a).get('/api/items?token=secret');
      await request(a).get('/api/items?token=secret').set('Accept', 'application/json');
      await c.shutdown(50);
    }
    const lines = wants.lines.filter((l) => l.level === 'debug').map((l) => l.message);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^snippet not injected into GET \/api\/items: .*application\/json/);
    expect(lines[1]).toBe(
      'snippet not injected into GET /api/items: the request does not accept HTML (Accept: "application/json")',
    );
    expect(lines.join('\n')).not.toContain('secret');
    expect(quiet.lines.filter((l) => l.level === 'debug')).toEqual([]);
    expect(plain.lines.filter((l) => l.level === 'debug')).toEqual([]);
  });

  it('says, once per response, why each page that went out without the snippet did', async () => {
    const { default: express } = await import('express');
    const { PosthogClient } = await import('../../src/core/client/index.js');
    const { loadConfig } = await import('../../src/core/config/index.js');
    const logger = { ...recordingLogger(), isLevelEnabled: () => true };
    const c = new PosthogClient({
      config: loadConfig({}, { apiKey: 'phc_x', host: 'http://127.0.0.1:9', logger }),
    });
    const a = express();
    a.use(posthogSnippet({ client: c, shouldInject: (req) => req.url !== '/opted-out' }));
    a.get('/no-transform', (_req, res) => res.set('Cache-Control', 'no-transform').send(PAGE));
    a.get('/opted-out', (_req, res) => res.send(PAGE));
    a.get('/fragment', (_req, res) => res.send('<div>a partial</div>'));
    a.get('/own-posthog', (_req, res) =>
      res.send('<html><head><script>posthog.init("phc_y")</script></head><body></body></html>'),
    );
    a.get('/page', (_req, res) => res.send(PAGE));
    for (const path of ['/no-transform', '/opted-out', '/fragment', '/own-posthog', '/page']) {
      await request(a).get(path).set('Accept', 'text/html');
    }
    await request(a).get('/page').set('Accept', 'image/webp');
    await c.shutdown(50);
    expect(logger.lines.filter((l) => l.level === 'debug').map((l) => l.message)).toEqual([
      'snippet not injected into GET /no-transform: Cache-Control has no-transform',
      'snippet not injected into GET /opted-out: shouldInject returned false',
      'snippet not injected into GET /fragment: the body has no </head>, <body> or document start (a fragment)',
      'snippet not injected into GET /own-posthog: the page already carries a PostHog snippet or a posthog.init( call',
      'snippet not injected into GET /page: the request does not accept HTML (Accept: "image/webp")',
    ]);
  });
});
