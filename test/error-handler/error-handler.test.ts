import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express, Request, RequestHandler, Response } from 'express';
import supertest from 'supertest';
import { describe, expect, it } from 'vitest';
import { PosthogClient } from '../../src/core/client/index.js';
import { loadConfig } from '../../src/core/config/index.js';
import type { IdentifyMode, PosthogConfigOptions } from '../../src/core/config/types.js';
import { posthogErrorHandler } from '../../src/error-handler/index.js';
import { posthogUser } from '../../src/user/index.js';
import type { CapturedEvent } from '../helpers/capture-server.js';
import { expressVersions } from '../helpers/express-versions.js';
import { recordingLogger } from '../helpers/logger.js';
import { headerAuth, useCaptureServer } from '../helpers/suite.js';

const suite = useCaptureServer({ environment: 'test-env', release: 'v1.2.3' });

const USERS: Record<string, unknown> = {
  'u-42': { id: 'u-42', email: 'ada@example.com', name: 'Ada Lovelace' },
};
const SECRET = 'the-secret-detail-42';
const BROWSER_HTML = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
const FRAME = /\n\s+at /;

const client = (options: PosthogConfigOptions = {}): PosthogClient => suite.client(options);

const testAuth = headerAuth(USERS);

/**
 * Every `$exception` that reached the capture server, once the client has shut
 * down: `shutdown()` waits for the SDK's pending captures (`flush()` does not),
 * so "nothing captured" is a fact, not a race.
 */
async function exceptions(posthog: PosthogClient): Promise<CapturedEvent[]> {
  await posthog.shutdown();
  return suite.server.events.filter((event) => event.event === '$exception');
}

describe.each(expressVersions)('posthogErrorHandler on $name', ({ name, express }) => {
  const isExpress4 = name === 'Express 4';
  /**
   * An async route as a real app writes it: Express 5 forwards the rejection
   * itself; on Express 4 the app must pass it on (`.catch(next)`).
   */
  function asyncRoute(handler: (req: Request, res: Response) => Promise<void>): RequestHandler {
    if (!isExpress4) return handler as RequestHandler;
    return function express4AsyncRoute(req, res, next) {
      handler(req, res).catch(next);
    };
  }

  function buildApp(posthog: PosthogClient, extra?: (app: Express) => void): Express {
    const app = express();
    app.use(testAuth);
    app.use(posthogUser({ client: posthog }));
    app.get('/sync', function syncThrow() {
      throw new Error(`sync ${SECRET}`);
    });
    app.get(
      '/async',
      asyncRoute(async function asyncThrow() {
        await new Promise((resolve) => setTimeout(resolve, 5));
        throw new TypeError(`async ${SECRET}`);
      }),
    );
    app.post('/json', express.json(), (req, res) => {
      res.json(req.body);
    });
    app.get('/gone', (_req, _res, next) => {
      next(Object.assign(new Error(`gone ${SECRET}`), { status: 404 }));
    });
    app.get('/method', (_req, _res, next) => {
      next(Object.assign(new Error('nope'), { statusCode: 405, headers: { Allow: 'POST' } }));
    });
    app.get('/unavailable', (_req, _res, next) => {
      next(Object.assign(new Error(`down ${SECRET}`), { status: 503 }));
    });
    app.get('/download', function downloadThenThrow(_req, res) {
      res.setHeader('Content-Disposition', 'attachment; filename="report.pdf"');
      res.setHeader('ETag', '"abc"');
      throw new Error('render failed');
    });
    extra?.(app);
    app.use(posthogErrorHandler({ client: posthog }));
    return app;
  }

  describe('a server error', () => {
    it.each([
      ['a sync throw', '/sync', 'Error', `sync ${SECRET}`],
      ['a rejected promise', '/async', 'TypeError', `async ${SECRET}`],
    ])(
      'captures %s as exactly one $exception with the request context',
      async (_what, path, type, message) => {
        const posthog = client();
        const response = await supertest(buildApp(posthog))
          .get(`${path}?token=abc123&page=2&api_key=k-9&Access_Token=t`)
          .set('x-test-user', 'u-42')
          .set('x-request-id', 'req-7')
          .set('x-posthog-session-id', 'sess-55');
        expect(response.status).toBe(500);
        const events = await exceptions(posthog);
        expect(events).toHaveLength(1);
        const [event] = events;
        expect(event?.distinct_id).toBe('u-42');
        expect(event?.properties).toMatchObject({
          method: 'GET',
          path,
          status_code: 500,
          url: `${path}?token=[redacted]&page=2&api_key=[redacted]&Access_Token=[redacted]`,
          request_id: 'req-7',
          $session_id: 'sess-55',
          environment: 'test-env',
          release: 'v1.2.3',
          user_id: 'u-42',
          user_email: 'ada@example.com',
        });
        expect(event?.properties.$exception_list[0]).toMatchObject({ type, value: message });
        expect(JSON.stringify(event?.properties)).not.toContain('abc123');
      },
    );

    it.each<[IdentifyMode, Record<string, string>]>([
      ['none', {}],
      ['email', { user_id: 'u-42', user_email: 'ada@example.com' }],
      ['full', { user_id: 'u-42', user_email: 'ada@example.com', user_name: 'Ada Lovelace' }],
    ])('sends the user as identify mode %s allows: %j', async (mode, expected) => {
      const posthog = client({ identifyPii: mode });
      await supertest(buildApp(posthog)).get('/sync').set('x-test-user', 'u-42').expect(500);
      const [event] = await exceptions(posthog);
      const userProps = Object.fromEntries(
        Object.entries(event?.properties ?? {}).filter(([key]) => key.startsWith('user_')),
      );
      expect(userProps).toEqual(expected);
      if (mode === 'none') expect(event?.distinct_id).not.toBe('u-42');
      else expect(event?.distinct_id).toBe('u-42');
    });

    it('answers JSON {error, request_id} without message or stack by default', async () => {
      const posthog = client();
      for (const accept of [undefined, '*/*', 'application/json', 'text/plain']) {
        const call = supertest(buildApp(posthog)).get('/sync').set('x-request-id', 'req-1');
        const response = await (accept ? call.set('Accept', accept) : call);
        expect(response.status).toBe(500);
        expect(response.headers['content-type']).toMatch(/^application\/json/);
        expect(response.body).toEqual({ error: 'internal_error', request_id: 'req-1' });
        expect(response.text).not.toContain(SECRET);
        expect(response.text).not.toMatch(FRAME);
        expect(response.headers['cache-control']).toBe('no-store');
        expect(response.headers.vary).toMatch(/Accept/);
      }
    });

    it('sends request_id null when the app has no request id', async () => {
      const response = await supertest(buildApp(client())).get('/async');
      expect(response.body).toEqual({ error: 'internal_error', request_id: null });
    });

    it('answers a full HTML page to a client that prefers HTML, without message or stack', async () => {
      const response = await supertest(buildApp(client()))
        .get('/sync')
        .set('Accept', BROWSER_HTML)
        .set('x-request-id', '<req-1>');
      expect(response.status).toBe(500);
      expect(response.headers['content-type']).toMatch(/^text\/html/);
      expect(response.text).toMatch(/^<!DOCTYPE html>/);
      expect(response.text).toContain('</head>');
      expect(response.text).toContain('500 Internal Server Error');
      expect(response.text).toContain('&lt;req-1&gt;');
      expect(response.text).not.toContain(SECRET);
      expect(response.text).not.toMatch(FRAME);
    });

    it('prefers JSON when HTML and JSON are equally acceptable', async () => {
      const response = await supertest(buildApp(client()))
        .get('/sync')
        .set('Accept', 'application/json, text/html');
      expect(response.headers['content-type']).toMatch(/^application\/json/);
    });

    it('shows message and stack, escaped, with DEBUG on', async () => {
      const posthog = client({ debug: true });
      const app = buildApp(posthog, (inner) => {
        inner.get('/xss', () => {
          throw new Error('<script>alert(1)</script>');
        });
      });
      const json = await supertest(app).get('/sync');
      expect(json.body).toMatchObject({
        error: 'internal_error',
        name: 'Error',
        message: `sync ${SECRET}`,
      });
      expect(json.body.stack).toMatch(FRAME);
      const html = await supertest(app).get('/xss').set('Accept', BROWSER_HTML);
      expect(html.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
      expect(html.text).not.toContain('<script>');
      expect(html.text).toMatch(/<pre>Error: &lt;script&gt;[\s\S]*\n\s+at /);
    });

    it('drops the headers the route set for the body it meant to send', async () => {
      const response = await supertest(buildApp(client())).get('/download');
      expect(response.status).toBe(500);
      expect(response.headers['content-disposition']).toBeUndefined();
      expect(response.headers.etag).not.toBe('"abc"');
    });

    it('keeps a 5xx status the error carries, and captures it with that status', async () => {
      const posthog = client();
      const response = await supertest(buildApp(posthog)).get('/unavailable');
      expect(response.status).toBe(503);
      expect(response.body).toEqual({ error: 'service_unavailable', request_id: null });
      const events = await exceptions(posthog);
      expect(events).toHaveLength(1);
      expect(events[0]?.properties.status_code).toBe(503);
    });

    it('skips an error that was captured already', async () => {
      const posthog = client();
      const app = buildApp(posthog, (inner) => {
        inner.get('/captured', (req) => {
          const error = new Error('seen');
          posthog.captureException(error, { request: req, properties: { where: 'route' } });
          throw error;
        });
      });
      await supertest(app).get('/captured').expect(500);
      const events = await exceptions(posthog);
      expect(events).toHaveLength(1);
      expect(events[0]?.properties.where).toBe('route');
    });

    it('uses the render option for HTML, and falls back to the built-in page if it throws', async () => {
      const posthog = client();
      const seen: unknown[] = [];
      const app = express();
      app.get('/sync', () => {
        throw new Error(SECRET);
      });
      app.use(
        posthogErrorHandler({
          client: posthog,
          render(req, res, details) {
            seen.push(details);
            if (req.query.broken) throw new Error('template missing');
            res.send(`<!DOCTYPE html><p>custom ${details.status}</p>`);
          },
        }),
      );
      const custom = await supertest(app).get('/sync').set('Accept', 'text/html');
      expect(custom.status).toBe(500);
      expect(custom.text).toBe('<!DOCTYPE html><p>custom 500</p>');
      expect(seen[0]).toEqual({ status: 500, requestId: undefined });
      const fallback = await supertest(app).get('/sync?broken=1').set('Accept', 'text/html');
      expect(fallback.status).toBe(500);
      expect(fallback.text).toContain('500 Internal Server Error');
      const json = await supertest(app).get('/sync');
      expect(json.body).toEqual({ error: 'internal_error', request_id: null });
      expect(seen).toHaveLength(2);
    });

    it('hands over to next(err) once headers are sent, capturing the error with the status sent', async () => {
      const posthog = client();
      const app = buildApp(posthog, (inner) => {
        inner.get('/stream', function streamThenThrow(_req, res) {
          res.write('partial ');
          throw new Error('mid-stream');
        });
      });
      const listening = app.listen(0, '127.0.0.1');
      await new Promise((resolve) => listening.once('listening', resolve));
      const { port } = listening.address() as AddressInfo;
      const outcome = await new Promise<string>((resolve) => {
        const call = httpRequest({ port, host: '127.0.0.1', path: '/stream' }, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk) => {
            body += chunk;
          });
          res.on('end', () => resolve(`ended: ${body}`));
          res.on('error', () => resolve(`aborted: ${body}`));
          res.on('aborted', () => resolve(`aborted: ${body}`));
        });
        call.on('error', (error) => resolve(`error: ${error.message}`));
        call.end();
      });
      listening.close();
      expect(outcome).toMatch(/^aborted: partial $/);
      const events = await exceptions(posthog);
      expect(events).toHaveLength(1);
      expect(events[0]?.properties.status_code).toBe(200);
    });
  });

  describe('a client error', () => {
    it('keeps the 404 of a route that does not exist, and captures nothing', async () => {
      const posthog = client();
      const response = await supertest(buildApp(posthog)).get('/nowhere');
      expect(response.status).toBe(404);
      expect(await exceptions(posthog)).toEqual([]);
    });

    it('answers an error carrying 404 with 404 and no detail, and captures nothing', async () => {
      const posthog = client();
      const json = await supertest(buildApp(posthog)).get('/gone');
      expect(json.status).toBe(404);
      expect(json.body).toEqual({ error: 'not_found', request_id: null });
      const html = await supertest(buildApp(posthog)).get('/gone').set('Accept', BROWSER_HTML);
      expect(html.status).toBe(404);
      expect(html.text).toContain('404 Not Found');
      for (const response of [json, html]) {
        expect(response.text).not.toContain(SECRET);
        expect(response.text).not.toMatch(FRAME);
      }
      expect(await exceptions(posthog)).toEqual([]);
    });

    it("keeps body-parser's 400 for malformed JSON, with no stack, and captures nothing", async () => {
      const posthog = client();
      const response = await supertest(buildApp(posthog))
        .post('/json')
        .set('Content-Type', 'application/json')
        .send('{"broken": tru');
      expect(response.status).toBe(400);
      expect(response.body).toEqual({ error: 'bad_request', request_id: null });
      expect(response.text).not.toMatch(FRAME);
      expect(response.text).not.toContain('tru');
      expect(await exceptions(posthog)).toEqual([]);
    });

    it('sends the headers an http-errors error asks for, such as Allow on a 405', async () => {
      const response = await supertest(buildApp(client())).get('/method');
      expect(response.status).toBe(405);
      expect(response.headers.allow).toBe('POST');
      expect(response.body).toEqual({ error: 'method_not_allowed', request_id: null });
    });
  });

  it('with PostHog disabled still answers 500 without leaking, and sends nothing', async () => {
    const disabled = new PosthogClient({ config: loadConfig({}, { logger: recordingLogger() }) });
    const response = await supertest(buildApp(disabled)).get('/sync');
    expect(response.status).toBe(500);
    expect(response.body).toEqual({ error: 'internal_error', request_id: null });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(suite.server.connections).toBe(0);
  });

  it('fails every request with what to write when registered without calling it', async () => {
    const app = express();
    app.use(posthogErrorHandler as unknown as RequestHandler);
    app.get('/', (_req, res) => {
      res.send('ok');
    });
    const response = await supertest(app).get('/');
    expect(response.status).toBe(500);
    expect(response.text).toContain(
      'posthogErrorHandler: call it — app.use(posthogErrorHandler()) — instead of passing posthogErrorHandler itself to Express.',
    );
  });
});

describe('posthogErrorHandler options', () => {
  it('accepts no options and an empty object', () => {
    expect(posthogErrorHandler()).toBeTypeOf('function');
    expect(posthogErrorHandler({})).toHaveLength(4);
  });

  it.each([
    [
      'a request (no call)',
      { method: 'GET', headers: {} },
      'posthogErrorHandler: call it — app.use(posthogErrorHandler()) — instead of passing posthogErrorHandler itself to Express.',
    ],
    [
      'an error (no call)',
      new Error('x'),
      'posthogErrorHandler: call it — app.use(posthogErrorHandler()) — instead of passing posthogErrorHandler itself to Express.',
    ],
    [
      'a string',
      'json',
      'posthogErrorHandler: options must be an object, got "json". Use app.use(posthogErrorHandler()).',
    ],
    [
      'a render that is not a function',
      { render: 'error.njk' },
      'posthogErrorHandler: `render` must be a function, got "error.njk". Pass a function such as (req, res, details) => res.status(details.status).render(\'error\', details).',
    ],
    [
      'a client that is not a PosthogClient',
      { client: { capture() {} } },
      'posthogErrorHandler: `client` must be a PosthogClient, got {}. Pass getPosthog() or new PosthogClient({ config: loadConfig() }), or leave it out.',
    ],
  ])('throws at construction for %s', (_what, options, message) => {
    expect(() => posthogErrorHandler(options as never)).toThrow(new TypeError(message));
  });
});
