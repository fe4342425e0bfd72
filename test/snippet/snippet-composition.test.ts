import { request as httpRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import compression from 'compression';
import cookieSession from 'cookie-session';
import type { Express, NextFunction, Request, Response } from 'express';
import session from 'express-session';
import onHeaders from 'on-headers';
import responseTime from 'response-time';
import request from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import { setRequestUser } from '../../src/core/attribution/request-user.js';
import { posthogSnippet } from '../../src/snippet/posthog-snippet.js';
import { enabledClient } from '../helpers/client.js';
import { expressVersions } from '../helpers/express-versions.js';
import { PAGE, SNIPPET_TAG, snippetCount, snippetIdentityOf } from '../helpers/html.js';

const { client } = enabledClient('http://127.0.0.1:9');
afterAll(() => client.shutdown(100));

const USER = { id: 'u-1', email: 'ada@example.com' };

/** A stand-in for the app's auth: the user `posthogUser()` would have resolved. */
function loggedIn(req: Request, _res: Response, next: NextFunction): void {
  setRequestUser(req, USER);
  next();
}

describe.each(expressVersions)(
  'posthogSnippet composes with other middleware on $name',
  ({ express }) => {
    function app(build: (app: Express) => void): Express {
      const a = express();
      build(a);
      return a;
    }

    it('keeps cookie-session’s Set-Cookie when cookie-session is registered after it', async () => {
      const a = app((a) => {
        a.use(compression());
        a.use(posthogSnippet({ client }));
        a.use(cookieSession({ name: 'sess', keys: ['k1'] }));
        a.get('/', (req, res) => {
          (req.session as { n?: number }).n = 1;
          res.send(PAGE);
        });
        a.get('/json', (req, res) => {
          (req.session as { n?: number }).n = 2;
          res.json({ ok: true });
        });
      });
      for (const path of ['/', '/json']) {
        const res = await request(a).get(path).set('Accept', 'text/html');
        const cookies = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
        expect(cookies.map((c) => c.split('=')[0]).sort(), path).toEqual(['sess', 'sess.sig']);
      }
    });

    it('lets express-session save a session that a streamed page changed', async () => {
      const store = new session.MemoryStore();
      const a = app((a) => {
        a.use(compression());
        a.use(posthogSnippet({ client }));
        a.use(session({ secret: 's', resave: false, saveUninitialized: false, store }));
        a.get('/', (req, res) => {
          res.type('html');
          res.write('<!doctype html><html><head><title>t</title>');
          (req.session as unknown as { visits: number }).visits = 7;
          res.write('</head><body>streamed');
          res.end('</body></html>');
        });
      });
      const res = await request(a).get('/').set('Accept', 'text/html');
      expect(snippetCount(res.text)).toBe(1);
      expect(String(res.headers['set-cookie'])).toMatch(/^connect\.sid=/);
      const saved = await new Promise<Record<string, unknown>>((resolve, reject) =>
        store.all((error, all) =>
          error ? reject(error) : resolve(all as Record<string, unknown>),
        ),
      );
      expect(Object.values(saved).map((s) => (s as { visits?: number }).visits)).toEqual([7]);
    });

    it('keeps every header of writeHead’s flat raw-headers array, two Set-Cookie included', async () => {
      const a = app((a) => {
        a.use(posthogSnippet({ client }));
        a.get('/', (_req, res) => {
          res.writeHead(200, [
            'Content-Type',
            'text/html',
            'Set-Cookie',
            'a=1',
            'Link',
            '</a.css>; rel=preload',
            'Set-Cookie',
            'b=2',
            'Link',
            '</b.css>; rel=preload',
          ]);
          res.end(PAGE);
        });
      });
      const res = await request(a).get('/').set('Accept', 'text/html');
      expect(res.headers['set-cookie']).toEqual(['a=1', 'b=2']);
      expect(res.headers.link).toBe('</a.css>; rel=preload, </b.css>; rel=preload');
      expect(snippetCount(res.text)).toBe(1);
    });

    it('keeps the listeners of response-time and on-headers registered after it, once each', async () => {
      let fired = 0;
      const a = app((a) => {
        a.use(compression());
        a.use(posthogSnippet({ client }));
        a.use(responseTime());
        a.use((_req, res, next) => {
          onHeaders(res, () => {
            fired++;
          });
          next();
        });
        a.get('/', (_req, res) => res.send(PAGE));
      });
      const res = await request(a).get('/').set('Accept', 'text/html');
      expect(res.headers['x-response-time']).toMatch(/^\d+\.\d+ms$/);
      expect(fired).toBe(1);
      expect(snippetCount(res.text)).toBe(1);
    });

    describe('identity and shared caches', () => {
      const cases: Array<[string, Record<string, string>]> = [
        ['max-age alone', { 'Cache-Control': 'max-age=60' }],
        ['Expires', { Expires: 'Thu, 01 Dec 2099 16:00:00 GMT' }],
        ['CDN-Cache-Control', { 'CDN-Cache-Control': 'max-age=600' }],
        ['Surrogate-Control', { 'Surrogate-Control': 'max-age=600' }],
        ['Cloudflare-CDN-Cache-Control', { 'Cloudflare-CDN-Cache-Control': 'max-age=600' }],
        ['Vercel-CDN-Cache-Control', { 'Vercel-CDN-Cache-Control': 'max-age=600' }],
        ['Netlify-CDN-Cache-Control', { 'Netlify-CDN-Cache-Control': 'max-age=600' }],
      ];
      it.each(cases)('withholds the identity from a page with %s', async (_name, headers) => {
        const a = app((a) => {
          a.use(posthogSnippet({ client }));
          a.use(loggedIn);
          a.get('/', (_req, res) => res.set(headers).send(PAGE));
        });
        const res = await request(a).get('/').set('Accept', 'text/html');
        expect(snippetIdentityOf(res.text)).toEqual({ state: 'withheld' });
        expect(res.text).not.toContain('ada@example.com');
      });

      it('withholds it when a later middleware makes the page public from an on-headers hook', async () => {
        const a = app((a) => {
          a.use(posthogSnippet({ client }));
          a.use(loggedIn);
          a.use((_req, res, next) => {
            onHeaders(res, () => res.setHeader('Cache-Control', 'public, max-age=300'));
            next();
          });
          a.get('/', (_req, res) => res.send(PAGE));
        });
        const res = await request(a).get('/').set('Accept', 'text/html');
        expect(res.headers['cache-control']).toBe('public, max-age=300');
        expect(snippetIdentityOf(res.text)).toEqual({ state: 'withheld' });
        expect(res.text).not.toContain('ada@example.com');
      });

      it('adds Cache-Control: private where the identity goes into a page that had none', async () => {
        const a = app((a) => {
          a.use(posthogSnippet({ client }));
          a.use(loggedIn);
          a.get('/', (_req, res) => res.send(PAGE));
          a.get('/no-cache', (_req, res) => res.set('Cache-Control', 'no-cache').send(PAGE));
        });
        const res = await request(a).get('/').set('Accept', 'text/html');
        expect(snippetIdentityOf(res.text)).toMatchObject({ state: 'user', id: 'u-1' });
        expect(res.headers['cache-control']).toBe('private');
        const kept = await request(a).get('/no-cache').set('Accept', 'text/html');
        expect(snippetIdentityOf(kept.text)).toMatchObject({ state: 'user' });
        // no-cache gives no freshness: a shared cache could still store it, so private is appended.
        expect(kept.headers['cache-control']).toBe('no-cache, private');
        // An anonymous page carries no personal data: its headers stay the app's.
        const anonymous = app((a) => {
          a.use(posthogSnippet({ client }));
          a.get('/', (_req, res) => res.send(PAGE));
        });
        const anon = await request(anonymous).get('/').set('Accept', 'text/html');
        expect(snippetIdentityOf(anon.text)).toMatchObject({ state: 'anonymous' });
        expect(anon.headers['cache-control']).toBeUndefined();
      });
    });

    describe('validators', () => {
      const FRAGMENT = '<div class="row">partial</div>';
      const GUARDED =
        '<!doctype html><html><head><script>posthog.init("phc_own")</script></head><body></body></html>';
      function validatorApp() {
        return app((a) => {
          a.use(compression());
          a.use(posthogSnippet({ client, maxBufferBytes: 64 }));
          a.get('/fragment', (_req, res) => res.send(FRAGMENT));
          a.get('/guarded', (_req, res) => res.send(GUARDED));
          a.get('/long', (_req, res) => res.send(`<div>${'x'.repeat(200)}</div><head></head>`));
          a.get('/page', (_req, res) =>
            res.set('Last-Modified', 'Mon, 01 Jan 2024 00:00:00 GMT').send(PAGE),
          );
        });
      }
      const bare = app((a) => {
        a.get('/fragment', (_req, res) => res.send(FRAGMENT));
        a.get('/guarded', (_req, res) => res.send(GUARDED));
        a.get('/long', (_req, res) => res.send(`<div>${'x'.repeat(200)}</div><head></head>`));
        a.get('/page', (_req, res) =>
          res.set('Last-Modified', 'Mon, 01 Jan 2024 00:00:00 GMT').send(PAGE),
        );
      });

      it.each(['/fragment', '/guarded', '/long'])(
        'leaves the ETag and Last-Modified of an untouched body (%s) as the app made them',
        async (path) => {
          const expected = await request(bare).get(path);
          const res = await request(validatorApp()).get(path).set('Accept', 'text/html');
          expect(res.text).toBe(expected.text);
          expect(res.headers.etag).toBe(expected.headers.etag);
        },
      );

      it.each([
        ['absent', undefined],
        ['*/*', '*/*'],
        ['naming text/html', 'text/html,application/xhtml+xml,*/*;q=0.8'],
      ])('answers conditional requests the same way with Accept %s', async (_name, accept) => {
        const a = validatorApp();
        const plain = await request(bare).get('/page');
        const send = (path: string, headers: Record<string, string>) => {
          const r = request(a).get(path);
          if (accept) r.set('Accept', accept);
          return r.set(headers);
        };
        const injected = await send('/page', {});
        expect(snippetCount(injected.text)).toBe(1);
        expect(injected.headers.etag).not.toBe(plain.headers.etag);
        expect(injected.headers['last-modified']).toBeUndefined();
        // A client holding the page without the snippet gets the page with it, never a 304.
        const stale = await send('/page', { 'If-None-Match': plain.headers.etag as string });
        expect(stale.status).toBe(200);
        expect(snippetCount(stale.text)).toBe(1);
        const since = await send('/page', { 'If-Modified-Since': 'Tue, 01 Jan 2030 00:00:00 GMT' });
        expect(since.status).toBe(200);
        // A client holding this very page gets its 304.
        const held = await send('/page', { 'If-None-Match': injected.headers.etag as string });
        expect(held.status).toBe(304);
        expect(held.text).toBe('');
        // An untouched fragment keeps the app's own 304.
        const fragment = await request(bare).get('/fragment');
        const again = await send('/fragment', { 'If-None-Match': fragment.headers.etag as string });
        expect(again.status).toBe(304);
      });

      it('lets the app answer its own 304 for JSON and assets, without reading the body', async () => {
        let bodies = 0;
        const a = app((a) => {
          a.use(posthogSnippet({ client }));
          a.get('/data', (_req, res) => {
            bodies++;
            res.json({ n: 1 });
          });
        });
        const first = await request(a).get('/data').set('Accept', '*/*');
        const res = await request(a)
          .get('/data')
          .set('Accept', '*/*')
          .set('If-None-Match', first.headers.etag as string);
        expect(res.status).toBe(304);
        expect(bodies).toBe(2);
      });
    });

    it('honours res.flush() before the insertion point: the head leaves before the page ends', async () => {
      let finish: () => void = () => {};
      const a = app((a) => {
        a.use(compression());
        a.use(posthogSnippet({ client }));
        a.get('/', (_req, res) => {
          res.type('html');
          res.write(
            '<!doctype html><html><head><meta charset="utf-8"><link rel="stylesheet" href="/a.css">',
          );
          (res as unknown as { flush: () => void }).flush();
          finish = () => res.end('<title>t</title></head><body>late</body></html>');
        });
      });
      const server = a.listen(0, '127.0.0.1');
      await new Promise((resolve) => server.once('listening', resolve));
      try {
        const { port } = server.address() as AddressInfo;
        const first = await new Promise<string>((resolve, reject) => {
          const req = httpRequest(
            {
              port,
              host: '127.0.0.1',
              path: '/',
              headers: { accept: 'text/html', 'accept-encoding': 'identity' },
            },
            (res: IncomingMessage) => {
              let text = '';
              res.setEncoding('utf8');
              res.once('data', (chunk: string) => {
                text += chunk;
                resolve(text);
                res.on('data', (more: string) => {
                  text += more;
                });
                res.on('end', () => {
                  expect(snippetCount(text)).toBe(1);
                });
                finish();
              });
            },
          );
          req.on('error', reject);
          req.end();
        });
        expect(first).toContain('<link rel="stylesheet" href="/a.css">');
        expect(SNIPPET_TAG.test(first)).toBe(true);
        expect(first).not.toContain('late');
      } finally {
        server.close();
      }
    });
  },
);
