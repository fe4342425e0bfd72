import type { Express, RequestHandler } from 'express';
import supertest from 'supertest';
import { describe, expect, it } from 'vitest';
import type { PosthogClient } from '../../src/core/client/index.js';
import type { PosthogConfigOptions } from '../../src/core/config/types.js';
import { debugRouter } from '../../src/debug-route/index.js';
import { posthogErrorHandler } from '../../src/error-handler/index.js';
import { posthogUser } from '../../src/user/index.js';
import type { CapturedEvent } from '../helpers/capture-server.js';
import { expressVersions } from '../helpers/express-versions.js';
import { headerAuth, useCaptureServer } from '../helpers/suite.js';

const suite = useCaptureServer();

const USERS: Record<string, unknown> = {
  'u-42': { id: 'u-42', email: 'ada@example.com', name: 'Ada Lovelace' },
};

const client = (options: PosthogConfigOptions = {}): PosthogClient => suite.client(options);

const testAuth = headerAuth(USERS);

/** Every `$exception` at the capture server, once the client has shut down (which drains). */
async function exceptions(posthog: PosthogClient): Promise<CapturedEvent[]> {
  await posthog.shutdown();
  return suite.server.events.filter((event) => event.event === '$exception');
}

/** What a client can observe of a response, but the Date header. */
function observable(response: supertest.Response) {
  const { date: _date, ...headers } = response.headers;
  return { status: response.status, headers, body: response.text };
}

describe.each(expressVersions)('debugRouter on $name', ({ express }) => {
  function buildApp(posthog: PosthogClient, withDebug = true): Express {
    const app = express();
    app.use(testAuth);
    app.use(posthogUser({ client: posthog }));
    app.get('/api/health', (_req, res) => {
      res.json({ ok: true });
    });
    if (withDebug) app.use(debugRouter({ client: posthog }));
    app.use(posthogErrorHandler({ client: posthog }));
    return app;
  }

  describe('with DEBUG off', () => {
    it('answers exactly as if the route did not exist, logged in or not, for any method', async () => {
      const posthog = client({ debug: false });
      const mounted = buildApp(posthog);
      const absent = buildApp(posthog, false);
      const calls: [string, string, string | undefined][] = [
        ['get', '/api/debug/throw', undefined],
        ['get', '/api/debug/throw?kind=TypeError&async=1', 'u-42'],
        ['head', '/api/debug/throw', 'u-42'],
        ['options', '/api/debug/throw', 'u-42'],
        ['post', '/api/debug/throw', undefined],
      ];
      for (const [method, path, user] of calls) {
        const send = (app: Express) => {
          const call = (supertest(app) as any)[method](path);
          return user ? call.set('x-test-user', user) : call;
        };
        const [withRoute, withoutRoute] = [await send(mounted), await send(absent)];
        expect(observable(withRoute)).toEqual(observable(withoutRoute));
        expect(withRoute.status).toBe(404);
      }
      expect(await exceptions(posthog)).toEqual([]);
    });
  });

  describe('with DEBUG on', () => {
    it('answers 401 to an anonymous caller and captures nothing', async () => {
      const posthog = client({ debug: true });
      const response = await supertest(buildApp(posthog)).get('/api/debug/throw');
      expect(response.status).toBe(401);
      expect(response.body).toEqual({ error: 'unauthorized' });
      expect(await exceptions(posthog)).toEqual([]);
    });

    it('throws the default error for a logged-in user, captured once with the user', async () => {
      const posthog = client({ debug: true, identifyPii: 'full' });
      const response = await supertest(buildApp(posthog))
        .get('/api/debug/throw')
        .set('x-test-user', 'u-42')
        .set('X-PostHog-Session-Id', 'sess-dbg');
      expect(response.status).toBe(500);
      const events = await exceptions(posthog);
      expect(events).toHaveLength(1);
      const [event] = events;
      expect(event?.distinct_id).toBe('u-42');
      expect(event?.properties).toMatchObject({
        path: '/api/debug/throw',
        method: 'GET',
        status_code: 500,
        url: '/api/debug/throw',
        $session_id: 'sess-dbg',
        user_id: 'u-42',
        user_email: 'ada@example.com',
        user_name: 'Ada Lovelace',
      });
      expect(event?.properties.$exception_list[0]).toMatchObject({
        type: 'Error',
        value: 'intentional debug throw',
      });
    });

    it('throws the chosen kind with the chosen message; an unknown kind is an Error', async () => {
      const posthog = client({ debug: true });
      const app = buildApp(posthog);
      const kinds: [kind: string, type: string][] = [
        ['Error', 'Error'],
        ['TypeError', 'TypeError'],
        ['RangeError', 'RangeError'],
        ['ReferenceError', 'ReferenceError'],
        ['SyntaxError', 'SyntaxError'],
        ['RuntimeError', 'RuntimeError'],
        ['ValueError', 'ValueError'],
        ['KeyError', 'KeyError'],
        ['ZeroDivisionError', 'ZeroDivisionError'],
        ['Bogus', 'Error'],
        ['constructor', 'Error'],
        ['__proto__', 'Error'],
        ['typeerror', 'Error'],
      ];
      for (const [kind] of kinds) {
        await supertest(app)
          .get(`/api/debug/throw?kind=${encodeURIComponent(kind)}&msg=m-${kind}`)
          .set('x-test-user', 'u-42')
          .expect(500);
      }
      const events = await exceptions(posthog);
      expect(events).toHaveLength(kinds.length);
      const seen = events
        .map((event): [string, string] => {
          const [first] = event.properties.$exception_list;
          return [first.value.slice(2), first.type];
        })
        .sort(([a], [b]) => kinds.findIndex(([k]) => k === a) - kinds.findIndex(([k]) => k === b));
      expect(seen).toEqual(kinds);
    });

    it('clips an over-long message to 1,000 characters', async () => {
      const posthog = client({ debug: true });
      await supertest(buildApp(posthog))
        .get(`/api/debug/throw?msg=${'x'.repeat(1_500)}`)
        .set('x-test-user', 'u-42')
        .expect(500);
      const [event] = await exceptions(posthog);
      expect(event?.properties.$exception_list[0].value).toBe('x'.repeat(1_000));
    });

    it('throws from a rejected promise with ?async=1, on Express 4 too', async () => {
      const posthog = client({ debug: true });
      const response = await supertest(buildApp(posthog))
        .get('/api/debug/throw?async=1&kind=ValueError&msg=later')
        .set('x-test-user', 'u-42')
        .set('Accept', 'text/html');
      expect(response.status).toBe(500);
      expect(response.text).toContain('500 Internal Server Error');
      const events = await exceptions(posthog);
      expect(events).toHaveLength(1);
      expect(events[0]?.distinct_id).toBe('u-42');
      expect(events[0]?.properties.$exception_list[0]).toMatchObject({
        type: 'ValueError',
        value: 'later',
      });
    });

    it('finds the user with getUser, without posthogUser, and the event carries them', async () => {
      const posthog = client({ debug: true });
      const app = express();
      app.use(
        '/ops',
        debugRouter({
          client: posthog,
          getUser: async (req) => (req.get('x-admin') ? { id: 'admin-1' } : undefined),
          path: '/throw',
        }),
      );
      app.use(posthogErrorHandler({ client: posthog }));
      await supertest(app).get('/ops/throw').expect(401);
      await supertest(app).get('/ops/THROW/').set('x-admin', 'yes').expect(500);
      await supertest(app).get('/api/debug/throw').set('x-admin', 'yes').expect(404);
      const events = await exceptions(posthog);
      expect(events).toHaveLength(1);
      expect(events[0]?.distinct_id).toBe('admin-1');
      expect(events[0]?.properties.user_id).toBe('admin-1');
      expect(events[0]?.properties.path).toBe('/ops/THROW/');
    });

    it('keeps the user posthogUser resolved when its own getUser finds another', async () => {
      const posthog = client({ debug: true });
      const app = express();
      app.use(testAuth);
      app.use(posthogUser({ client: posthog }));
      // The route's own gate: only callers with x-admin, who are "admin-1" to it.
      app.use(
        debugRouter({
          client: posthog,
          getUser: (req) =>
            req.get('x-admin') ? { id: 'admin-1', email: 'ops@example.com' } : undefined,
        }),
      );
      app.use(posthogErrorHandler({ client: posthog }));
      // Logged in as u-42, but not an admin to the route: its getUser decides who may throw.
      await supertest(app).get('/api/debug/throw').set('x-test-user', 'u-42').expect(401);
      await supertest(app)
        .get('/api/debug/throw')
        .set('x-test-user', 'u-42')
        .set('x-admin', 'yes')
        .expect(500);
      // posthogUser found nobody: the user the route found is the one the event carries.
      await supertest(app).get('/api/debug/throw?msg=anonymous').set('x-admin', 'yes').expect(500);
      const events = await exceptions(posthog);
      expect(events).toHaveLength(2);
      const byMessage = Object.fromEntries(
        events.map((event) => [event.properties.$exception_list[0].value, event]),
      );
      expect(byMessage['intentional debug throw']?.distinct_id).toBe('u-42');
      expect(byMessage['intentional debug throw']?.properties).toMatchObject({
        user_id: 'u-42',
        user_email: 'ada@example.com',
      });
      expect(byMessage.anonymous?.distinct_id).toBe('admin-1');
      expect(byMessage.anonymous?.properties.user_id).toBe('admin-1');
    });
  });

  it('fails every request with what to write when registered without calling it', async () => {
    const app = express();
    app.use(debugRouter as unknown as RequestHandler);
    const response = await supertest(app).get('/');
    expect(response.status).toBe(500);
    expect(response.text).toContain(
      'debugRouter: call it — app.use(debugRouter()) — instead of passing debugRouter itself to Express.',
    );
  });
});

describe('debugRouter options', () => {
  it('accepts no options and an empty object', () => {
    expect(debugRouter()).toBeTypeOf('function');
    expect(debugRouter({})).toBeTypeOf('function');
  });

  it.each([
    [
      'a request (no call)',
      { method: 'GET', headers: {} },
      'debugRouter: call it — app.use(debugRouter()) — instead of passing debugRouter itself to Express.',
    ],
    [
      'a path without a leading slash',
      { path: 'debug' },
      'debugRouter: `path` must be a path starting with "/", got "debug". Use e.g. \'/api/debug/throw\'.',
    ],
    [
      'a path with a query',
      { path: '/debug?x=1' },
      'debugRouter: `path` must be a path starting with "/", got "/debug?x=1". Use e.g. \'/api/debug/throw\'.',
    ],
    [
      'a getUser that is not a function',
      { getUser: true },
      'debugRouter: `getUser` must be a function, got true. Pass a function such as (req, res) => req.user.',
    ],
  ])('throws at construction for %s', (_what, options, message) => {
    expect(() => debugRouter(options as never)).toThrow(new TypeError(message));
  });
});
