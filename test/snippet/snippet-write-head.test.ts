import { request as httpRequest } from 'node:http';
import type { Express, NextFunction, Request, Response } from 'express';
import session from 'express-session';
import { afterAll, describe, expect, it } from 'vitest';
import { posthogSnippet } from '../../src/snippet/posthog-snippet.js';
import { enabledClient } from '../helpers/client.js';
import { expressVersions } from '../helpers/express-versions.js';
import { PAGE, SNIPPET_TAG, snippetCount } from '../helpers/html.js';
import { serve } from '../helpers/serve.js';

const { client } = enabledClient('http://127.0.0.1:9');
afterAll(() => client.shutdown(100));

/** What a client sees: the status line, headers and body, or how the connection failed. */
interface Outcome {
  readonly status?: number;
  readonly headers?: Record<string, unknown>;
  readonly body?: string;
  readonly error?: string;
}

/** One GET over a fresh connection, as a browser would see it. */
async function outcome(app: Express, path: string): Promise<Outcome> {
  const served = await serve(app);
  try {
    return await new Promise<Outcome>((resolve) => {
      const req = httpRequest(
        `${served.url}${path}`,
        { agent: false, headers: { Accept: 'text/html' } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () =>
            resolve({
              status: res.statusCode,
              headers: res.headers,
              body: Buffer.concat(chunks).toString(),
            }),
          );
          res.on('error', (error: NodeJS.ErrnoException) =>
            resolve({ status: res.statusCode, error: error.code ?? error.message }),
          );
        },
      );
      req.on('error', (error: NodeJS.ErrnoException) =>
        resolve({ error: error.code ?? error.message }),
      );
      req.setTimeout(3000, () => req.destroy(new Error('timeout')));
      req.end();
    });
  } finally {
    await served.close();
  }
}

describe.each(expressVersions)(
  'after writeHead the response is committed, on $name',
  ({ express }) => {
    /** The app alone, and the same app behind compression-less posthogSnippet(). */
    function pair(build: (app: Express) => void, before?: (app: Express) => void) {
      const make = (withSnippet: boolean) => {
        const app = express();
        before?.(app);
        if (withSnippet) app.use(posthogSnippet({ client }));
        build(app);
        return app;
      };
      return { alone: make(false), withSnippet: make(true) };
    }

    it('says headersSent and makes setHeader throw ERR_HTTP_HEADERS_SENT, as the app alone', async () => {
      const seen: Record<string, unknown>[] = [];
      const { alone, withSnippet } = pair((a) =>
        a.get('/', (_req, res) => {
          res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
          let code: unknown;
          try {
            res.setHeader('X-Late', '1');
          } catch (error) {
            code = (error as NodeJS.ErrnoException).code;
          }
          seen.push({ headersSent: res.headersSent, code });
          res.end(PAGE);
        }),
      );
      const base = await outcome(alone, '/');
      const got = await outcome(withSnippet, '/');
      expect(seen).toEqual([
        { headersSent: true, code: 'ERR_HTTP_HEADERS_SENT' },
        { headersSent: true, code: 'ERR_HTTP_HEADERS_SENT' },
      ]);
      expect(got.headers?.['x-late']).toBeUndefined();
      expect(snippetCount(got.body ?? '')).toBe(1);
      expect(got.body?.replace(SNIPPET_TAG, '')).toBe(base.body);
    });

    it('ignores a Content-Length set after writeHead as Node does: the whole page arrives', async () => {
      const { alone, withSnippet } = pair((a) =>
        a.get('/', (_req, res) => {
          res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
          try {
            res.setHeader('Content-Length', '3');
          } catch {
            // Node refuses it: the headers are sent.
          }
          res.end(PAGE);
        }),
      );
      const base = await outcome(alone, '/');
      const got = await outcome(withSnippet, '/');
      expect(base).toMatchObject({ status: 200, body: PAGE });
      expect(got.error).toBeUndefined();
      expect(got.headers?.['content-length']).toBe(base.headers?.['content-length']);
      expect(got.body?.replace(SNIPPET_TAG, '')).toBe(PAGE);
    });

    it('hangs up, as the app alone, when a route throws after writeHead(200): no 500 page', async () => {
      const { alone, withSnippet } = pair((a) => {
        a.get('/', (_req, res) => {
          res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
          throw new Error('after writeHead');
        });
        a.use((error: Error, _req: Request, res: Response, next: NextFunction) => {
          // An app's error handler that respects headersSent, as Express's docs ask.
          if (res.headersSent) return next(error);
          res.status(500).send('<!doctype html><html><head></head><body>error page</body></html>');
        });
      });
      const quiet = (app: Express) => {
        app.set('env', 'test');
        return app;
      };
      const base = await outcome(quiet(alone), '/');
      const got = await outcome(quiet(withSnippet), '/');
      expect(base.body ?? '').not.toContain('error page');
      expect(base.error).toBeDefined();
      expect(got.error).toBe(base.error);
      expect(got.status).toBe(base.status);
      expect(got.body ?? '').not.toContain('error page');
    });

    describe.each([
      ['before', true],
      ['after', false],
    ] as const)('with express-session registered %s the snippet', (_where, sessionFirst) => {
      it('keeps express-session’s “res.end patch should error when res.end is called twice”', async () => {
        const errors: (string | undefined)[] = [];
        const respond = (_req: Request, res: Response) => {
          res.end();
          try {
            res.setHeader('Content-Length', '3');
            res.end('foo');
            errors.push(undefined);
          } catch (error) {
            errors.push((error as Error).message);
          }
        };
        const sessions = (a: Express) =>
          // saveUninitialized: the new session is saved before the response ends, as in
          // express-session's own test.
          a.use(session({ secret: 's', resave: false, saveUninitialized: true }));
        const build = (withSnippet: boolean) => {
          const a = express();
          if (sessionFirst) sessions(a);
          if (withSnippet) a.use(posthogSnippet({ client }));
          if (!sessionFirst) sessions(a);
          a.get('/', respond);
          return a;
        };
        const base = await outcome(build(false), '/');
        const got = await outcome(build(true), '/');
        expect(base).toMatchObject({ status: 200, body: '' });
        expect(got).toMatchObject({ status: 200, body: '' });
        expect(errors[0]).toMatch(/Cannot set headers after they are sent/);
        expect(errors[1]).toBe(errors[0]);
      });
    });
  },
);
