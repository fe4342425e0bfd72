import type { ErrorRequestHandler, Express, Request, RequestHandler, Response } from 'express';
import { type PostHog, setupExpressErrorHandler } from 'posthog-node';
import supertest from 'supertest';
import { describe, expect, it } from 'vitest';
import type { PosthogClient } from '../../src/core/client/index.js';
import { posthogErrorHandler } from '../../src/error-handler/index.js';
import { posthogUser } from '../../src/user/index.js';
import type { CapturedEvent } from '../helpers/capture-server.js';
import { expressVersions } from '../helpers/express-versions.js';
import { useCaptureServer } from '../helpers/suite.js';

const suite = useCaptureServer();

async function exceptions(posthog: PosthogClient): Promise<CapturedEvent[]> {
  await posthog.shutdown();
  return suite.server.events.filter((event) => event.event === '$exception');
}

/** The app's own error handler, with its own status and body format. */
const appErrorHandler: ErrorRequestHandler = function appErrorHandler(error, _req, res, _next) {
  res.status(418).json({ problem: 'handled by the app', message: (error as Error).message });
};

describe.each(expressVersions)(
  'posthogErrorHandler alongside others on $name',
  ({ name, express }) => {
    const isExpress4 = name === 'Express 4';
    function asyncRoute(handler: (req: Request, res: Response) => Promise<void>): RequestHandler {
      if (!isExpress4) return handler as RequestHandler;
      return function express4AsyncRoute(req, res, next) {
        handler(req, res).catch(next);
      };
    }

    function routes(app: Express): void {
      app.get('/sync', function syncThrow() {
        throw new Error('sync failure');
      });
      app.get(
        '/async',
        asyncRoute(async function asyncThrow() {
          await new Promise((resolve) => setTimeout(resolve, 2));
          throw new TypeError('async failure');
        }),
      );
      app.get('/missing', (_req, _res, next) => {
        next(Object.assign(new Error('no such page'), { status: 404 }));
      });
    }

    it.each([
      ['after it', 'after', { respond: false }],
      ['before it (answering)', 'before', {}],
      ['before it (capture-only)', 'before', { respond: false }],
    ] as const)(
      "gives one $exception per error with posthog-node's setupExpressErrorHandler %s",
      async (_name, order, options) => {
        const posthog = suite.client();
        const app = express();
        app.use(posthogUser({ client: posthog }));
        routes(app);
        const theirs = () => setupExpressErrorHandler(posthog.sdk as PostHog, app);
        if (order === 'before') theirs();
        app.use(posthogErrorHandler({ client: posthog, ...options }));
        if (order === 'after') theirs();
        await supertest(app).get('/sync').expect(500);
        await supertest(app).get('/async').expect(500);
        const events = await exceptions(posthog);
        expect(events.map((e) => e.properties.$exception_list?.[0]?.value).sort()).toEqual([
          'async failure',
          'sync failure',
        ]);
      },
    );

    it("lets the app's own error handler answer with respond: false, capturing once", async () => {
      const posthog = suite.client();
      const app = express();
      routes(app);
      app.use(posthogErrorHandler({ client: posthog, respond: false }));
      app.use(appErrorHandler);
      const sync = await supertest(app).get('/sync').expect(418);
      expect(sync.body).toEqual({ problem: 'handled by the app', message: 'sync failure' });
      const async = await supertest(app).get('/async').expect(418);
      expect(async.body).toEqual({ problem: 'handled by the app', message: 'async failure' });
      const missing = await supertest(app).get('/missing').expect(418);
      expect(missing.body.message).toBe('no such page');
      const events = await exceptions(posthog);
      expect(events).toHaveLength(2);
    });

    it('captures what shouldCapture picks: a 404 in, a 500 out', async () => {
      const posthog = suite.client();
      const app = express();
      routes(app);
      app.use(
        posthogErrorHandler({
          client: posthog,
          shouldCapture: (error) => (error as { status?: number }).status === 404,
        }),
      );
      await supertest(app).get('/missing').set('Accept', 'application/json').expect(404);
      await supertest(app).get('/sync').set('Accept', 'application/json').expect(500);
      const events = await exceptions(posthog);
      expect(events.map((e) => e.properties.$exception_list?.[0]?.value)).toEqual(['no such page']);
      expect(events[0]?.properties.$response_status_code).toBe(404);
    });

    it('skips an error posthog-node (or anything else) already marked as captured', async () => {
      const posthog = suite.client();
      const app = express();
      app.get('/marked', () => {
        throw Object.assign(new Error('already sent'), {
          __posthog_previously_captured_error: true,
        });
      });
      app.use(posthogErrorHandler({ client: posthog }));
      await supertest(app).get('/marked').expect(500);
      expect(await exceptions(posthog)).toEqual([]);
    });

    it("redacts $current_url and drops $ip on posthog-node's own handler's events", async () => {
      const posthog = suite.client();
      const app = express();
      app.use(posthogUser({ client: posthog }));
      routes(app);
      setupExpressErrorHandler(posthog.sdk as PostHog, app);
      await supertest(app)
        .get('/sync?token=abc123&page=2')
        .set('X-Forwarded-For', '203.0.113.9')
        .set('User-Agent', 'interop-test')
        .expect(500);
      const [event] = await exceptions(posthog);
      expect(event?.properties.$current_url).toMatch(
        /^http:\/\/127\.0\.0\.1:\d+\/sync\?token=\[redacted\]&page=2$/,
      );
      expect(JSON.stringify(event)).not.toContain('abc123');
      expect(event?.properties.$ip).toBeUndefined();
      expect(event?.properties.$user_agent).toBe('interop-test');
    });
  },
);

describe.each(expressVersions)(
  'posthogErrorHandler against hostile errors on $name',
  ({ express }) => {
    function revoked(): object {
      const { proxy, revoke } = Proxy.revocable(new Error('revoked'), {});
      revoke();
      return proxy;
    }
    const HOSTILE: ReadonlyArray<[string, () => unknown, number]> = [
      [
        'a status getter that throws',
        () =>
          Object.defineProperty(new Error('bad status'), 'status', {
            get() {
              throw new Error('status exploded');
            },
          }),
        500,
      ],
      [
        'an invalid header name in error.headers',
        () =>
          Object.assign(new Error('bad header'), {
            status: 400,
            headers: { 'Bad Header\r\nX-Injected': 'x', 'X-Fine': 'kept' },
          }),
        400,
      ],
      [
        'a headers getter that throws',
        () =>
          Object.defineProperty(
            Object.assign(new Error('bad headers'), { status: 405 }),
            'headers',
            {
              get() {
                throw new Error('headers exploded');
              },
            },
          ),
        405,
      ],
      ['a revoked Proxy', revoked, 500],
      ['a thrown string', () => 'just text', 500],
    ];

    it.each(HOSTILE)(
      'answers %s with a status and keeps the process up',
      async (_what, make, status) => {
        const posthog = suite.client();
        const app = express();
        app.get('/hostile', () => {
          throw make();
        });
        app.use(posthogErrorHandler({ client: posthog }));
        const response = await supertest(app)
          .get('/hostile')
          .set('Accept', 'application/json')
          .expect(status);
        expect(response.headers['x-injected']).toBeUndefined();
        await supertest(app).get('/hostile').expect(status);
        const events = await exceptions(posthog);
        expect(events).toHaveLength(status >= 500 ? 2 : 0);
      },
    );

    it('keeps the valid headers of error.headers and drops the invalid ones', async () => {
      const posthog = suite.client();
      const app = express();
      app.get('/hostile', () => {
        throw Object.assign(new Error('bad header'), {
          status: 405,
          headers: { 'Bad Header': 'x', Allow: 'POST', 'X-Split': 'a\r\nb' },
        });
      });
      app.use(posthogErrorHandler({ client: posthog }));
      const response = await supertest(app).get('/hostile').expect(405);
      expect(response.headers.allow).toBe('POST');
      expect(response.headers['x-split']).toBeUndefined();
      await posthog.shutdown();
    });

    it('answers a plain 500 when the render option throws after writing the headers', async () => {
      const posthog = suite.client();
      const app = express();
      app.get('/boom', () => {
        throw new Error('boom');
      });
      app.use(
        posthogErrorHandler({
          client: posthog,
          render: (_req, res) => {
            res.setHeader('Bad Header', 'x');
          },
        }),
      );
      const response = await supertest(app).get('/boom').set('Accept', 'text/html').expect(500);
      expect(response.text).toContain('500');
      await posthog.shutdown();
    });
  },
);

describe('posthogErrorHandler options', () => {
  it.each([
    [
      { respond: 'no' },
      'posthogErrorHandler: `respond` must be true or false, got "no". Use respond: false to keep your own error handler after this one.',
    ],
    [
      { shouldcapture: () => true },
      'posthogErrorHandler: unknown option `shouldcapture` — did you mean `shouldCapture`? Its options are `render`, `shouldCapture`, `respond`, `client`.',
    ],
    [
      { shouldCapture: true },
      'posthogErrorHandler: `shouldCapture` must be a function, got true. Pass a function such as (error, req, res) => res.statusCode >= 500.',
    ],
  ])('throws at construction for %j', (options, message) => {
    expect(() => posthogErrorHandler(options as never)).toThrow(new TypeError(message));
  });
});
