import type { Express, Request, RequestHandler, Response } from 'express';
import supertest from 'supertest';
import { describe, expect, it, onTestFinished } from 'vitest';
import { getRequestUser } from '../../src/core/attribution/request-user.js';
import { PosthogClient } from '../../src/core/client/index.js';
import { loadConfig } from '../../src/core/config/index.js';
import type { PosthogConfigOptions } from '../../src/core/config/types.js';
import { posthogErrorHandler } from '../../src/error-handler/index.js';
import { posthogUser } from '../../src/user/index.js';
import type { CapturedEvent } from '../helpers/capture-server.js';
import { expressVersions } from '../helpers/express-versions.js';
import { type RecordingLogger, recordingLogger } from '../helpers/logger.js';
import { headerAuth, useCaptureServer } from '../helpers/suite.js';

const suite = useCaptureServer();

/** Users in the shapes real auth libraries give: `id`, `user_id` + `full_name`, `displayName`. */
const USERS: Record<string, unknown> = {
  'u-42': { id: 'u-42', email: 'ada@example.com', name: 'Ada Lovelace' },
  'u-7': { user_id: 'u-7', email: 'grace@example.com', full_name: 'Grace Hopper' },
};
for (let i = 0; i < 8; i += 1) USERS[`p-${i}`] = { id: `p-${i}`, displayName: `Person ${i}` };

const client = (options: PosthogConfigOptions = {}): PosthogClient => suite.client(options);

const testAuth = headerAuth(USERS);

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Events named `event` at the capture server, once the client has shut down (which drains). */
async function arrived(posthog: PosthogClient, event: string): Promise<CapturedEvent[]> {
  await posthog.shutdown();
  return suite.server.events.filter((e) => e.event === event);
}

describe.each(expressVersions)('posthogUser on $name', ({ name, express }) => {
  const isExpress4 = name === 'Express 4';
  /** Express 4 does not forward rejections: a real Express 4 app passes them on itself. */
  function asyncRoute(handler: (req: Request, res: Response) => Promise<void>): RequestHandler {
    if (!isExpress4) return handler as RequestHandler;
    return function express4AsyncRoute(req, res, next) {
      handler(req, res).catch(next);
    };
  }

  /** An app whose `/work` route captures an event, with no distinct id, after an await. */
  function buildApp(posthog: PosthogClient, options = {}): Express {
    const app = express();
    app.use(testAuth);
    app.use(express.json());
    app.use(posthogUser({ client: posthog, ...options }));
    app.all(
      '/work',
      asyncRoute(async function workRoute(req, res) {
        await tick(Number(req.query.delay ?? 5));
        posthog.capture({
          event: 'work done',
          properties: { expected: req.get('x-test-user') ?? null },
        });
        res.json({ user: res.locals.posthogUser ?? null });
      }),
    );
    return app;
  }

  it('attributes an event captured after an await to the user, with the browser session', async () => {
    const posthog = client();
    await supertest(buildApp(posthog))
      .get('/work')
      .set('x-test-user', 'u-42')
      .set('X-PostHog-Session-Id', 'sess-abc')
      .set('X-PostHog-Distinct-Id', 'browser-1')
      .expect(200);
    const [event] = await arrived(posthog, 'work done');
    expect(event?.distinct_id).toBe('u-42');
    expect(event?.properties.$session_id).toBe('sess-abc');
    expect(event?.properties.$process_person_profile).toBeUndefined();
  });

  it('keeps concurrent requests for different users apart', async () => {
    const posthog = client();
    const app = buildApp(posthog);
    const ids = Object.keys(USERS);
    await Promise.all(
      ids.map((id, index) =>
        supertest(app)
          // the first request finishes last: the awaits interleave
          .post(`/work?delay=${(ids.length - index) * 4}`)
          .set('x-test-user', id)
          .set('X-PostHog-Session-Id', `sess-${id}`)
          .send({ n: index })
          .expect(200),
      ),
    );
    const events = await arrived(posthog, 'work done');
    expect(events).toHaveLength(ids.length);
    for (const event of events) {
      expect(event.distinct_id).toBe(event.properties.expected);
      expect(event.properties.$session_id).toBe(`sess-${event.properties.expected}`);
    }
  });

  it("uses the browser's PostHog id for an anonymous request", async () => {
    const posthog = client();
    await supertest(buildApp(posthog))
      .get('/work')
      .set('X-PostHog-Session-Id', 'sess-anon')
      .set('X-PostHog-Distinct-Id', 'browser-anon')
      .expect(200);
    const [event] = await arrived(posthog, 'work done');
    expect(event?.distinct_id).toBe('browser-anon');
    expect(event?.properties.$session_id).toBe('sess-anon');
  });

  it('sends no user identity with identify mode none: the browser id, else personless', async () => {
    const posthog = client({ identifyPii: 'none' });
    const app = buildApp(posthog);
    await supertest(app)
      .get('/work')
      .set('x-test-user', 'u-42')
      .set('X-PostHog-Distinct-Id', 'browser-2')
      .expect(200);
    await supertest(app).get('/work').set('x-test-user', 'u-7').expect(200);
    const events = await arrived(posthog, 'work done');
    const byUser = Object.fromEntries(events.map((e) => [e.properties.expected, e]));
    expect(byUser['u-42']?.distinct_id).toBe('browser-2');
    expect(byUser['u-7']?.distinct_id).not.toBe('u-7');
    expect(byUser['u-7']?.properties.$process_person_profile).toBe(false);
  });

  it.each([
    ['none', {}],
    ['id', { user_id: 'u-42' }],
    ['email', { user_id: 'u-42', user_email: 'ada@example.com' }],
    ['full', { user_id: 'u-42', user_email: 'ada@example.com', user_name: 'Ada Lovelace' }],
  ] as const)(
    "gives a route's events in identify mode %s the same user properties as a $exception: %j",
    async (identifyPii, expected) => {
      const posthog = client({ identifyPii });
      const app = buildApp(posthog);
      app.get('/fail', function failRoute() {
        throw new Error('route failed');
      });
      app.use(posthogErrorHandler({ client: posthog }));
      await supertest(app).get('/work').set('x-test-user', 'u-42').expect(200);
      await supertest(app).get('/fail').set('x-test-user', 'u-42').expect(500);
      await posthog.shutdown();
      const userProperties = (event: CapturedEvent | undefined) =>
        Object.fromEntries(
          Object.entries(event?.properties ?? {}).filter(([key]) => key.startsWith('user_')),
        );
      const work = suite.server.events.find((event) => event.event === 'work done');
      const exception = suite.server.events.find((event) => event.event === '$exception');
      expect(userProperties(work)).toEqual(expected);
      expect(userProperties(exception)).toEqual(expected);
      expect('$ip' in (work?.properties ?? {})).toBe(identifyPii === 'full');
    },
  );

  it('exposes the normalised user to templates as res.locals.posthogUser', async () => {
    const response = await supertest(buildApp(client()))
      .get('/work')
      .set('x-test-user', 'u-7')
      .expect(200);
    expect(response.body.user).toEqual({
      id: 'u-7',
      email: 'grace@example.com',
      name: 'Grace Hopper',
    });
    const anonymous = await supertest(buildApp(client())).get('/work').expect(200);
    expect(anonymous.body.user).toBeNull();
  });

  it('leaves res.locals.posthogUser alone when an earlier middleware set it', async () => {
    const app = express();
    app.use(testAuth);
    app.use((_req, res, next) => {
      res.locals.posthogUser = { id: 'set-by-app' };
      next();
    });
    app.use(posthogUser({ client: client() }));
    app.get('/', (req, res) => {
      res.json({ locals: res.locals.posthogUser, stored: getRequestUser(req) });
    });
    const response = await supertest(app).get('/').set('x-test-user', 'u-42').expect(200);
    expect(response.body.locals).toEqual({ id: 'set-by-app' });
    expect(response.body.stored.id).toBe('u-42');
  });

  it('reads res.locals.user when req.user is absent', async () => {
    const app = express();
    app.use((_req, res, next) => {
      res.locals.user = { email: 'only@example.com' };
      next();
    });
    app.use(posthogUser({ client: client() }));
    app.get('/', (_req, res) => {
      res.json(res.locals.posthogUser);
    });
    const response = await supertest(app).get('/').expect(200);
    expect(response.body).toEqual({ id: 'only@example.com', email: 'only@example.com' });
  });

  it('takes the user from getUser, sync or async', async () => {
    const posthog = client();
    const sync = buildApp(posthog, {
      getUser: (req: Request) => ({ id: req.get('x-account'), email: 'acc@example.com' }),
    });
    const asyncApp = buildApp(posthog, {
      getUser: async (req: Request) => {
        await tick(2);
        return { id: `async-${req.get('x-account')}` };
      },
    });
    const one = await supertest(sync).get('/work').set('x-account', 'acc-1').expect(200);
    const two = await supertest(asyncApp).get('/work').set('x-account', 'acc-2').expect(200);
    expect(one.body.user).toEqual({ id: 'acc-1', email: 'acc@example.com' });
    expect(two.body.user).toEqual({ id: 'async-acc-2' });
    const ids = (await arrived(posthog, 'work done')).map((e) => e.distinct_id).sort();
    expect(ids).toEqual(['acc-1', 'async-acc-2']);
  });

  it('goes on as anonymous, with a warning, when getUser throws or rejects', async () => {
    const logger: RecordingLogger = recordingLogger();
    const posthog = new PosthogClient({
      config: loadConfig({}, { apiKey: 'phc_test', host: suite.server.url, logger }),
    });
    onTestFinished(() => posthog.shutdown());
    const throwing = buildApp(posthog, {
      getUser: () => {
        throw new Error('session store down');
      },
    });
    const rejecting = buildApp(posthog, {
      getUser: () => Promise.reject(new Error('db down')),
    });
    expect((await supertest(throwing).get('/work').expect(200)).body.user).toBeNull();
    expect((await supertest(rejecting).get('/work').expect(200)).body.user).toBeNull();
    expect(logger.warnings()).toEqual([
      'posthogUser: getUser threw (Error: session store down); treating the request as anonymous. Make getUser return a plain object such as { id, email, name }, or undefined.',
      'posthogUser: getUser rejected (Error: db down); treating the request as anonymous. Make getUser return a plain object such as { id, email, name }, or undefined.',
    ]);
  });

  it('with PostHog disabled passes through, still exposing the user, and sends nothing', async () => {
    const disabled = new PosthogClient({ config: loadConfig({}, { logger: recordingLogger() }) });
    const response = await supertest(buildApp(disabled))
      .get('/work')
      .set('x-test-user', 'u-42')
      .expect(200);
    expect(response.body.user).toEqual({
      id: 'u-42',
      email: 'ada@example.com',
      name: 'Ada Lovelace',
    });
    await tick(50);
    expect(suite.server.connections).toBe(0);
  });

  it('fails every request with what to write when registered without calling it', async () => {
    const app = express();
    app.use(posthogUser as unknown as RequestHandler);
    app.get('/', (_req, res) => {
      res.send('ok');
    });
    const response = await supertest(app).get('/');
    expect(response.status).toBe(500);
    expect(response.text).toContain(
      'posthogUser: call it — app.use(posthogUser()) — instead of passing posthogUser itself to Express.',
    );
  });
});

describe('posthogUser options', () => {
  it('accepts no options and an empty object', () => {
    expect(posthogUser()).toHaveLength(3);
    expect(posthogUser({})).toHaveLength(3);
  });

  it.each([
    [
      'a request (no call)',
      { method: 'GET', headers: {} },
      'posthogUser: call it — app.use(posthogUser()) — instead of passing posthogUser itself to Express.',
    ],
    ['null', null, 'posthogUser: options must be an object, got null. Use app.use(posthogUser()).'],
    [
      'a getUser that is not a function',
      { getUser: 'user' },
      'posthogUser: `getUser` must be a function, got "user". Pass a function such as (req, res) => req.user.',
    ],
    [
      'a client that is not a PosthogClient',
      { client: 'phc_key' },
      'posthogUser: `client` must be a PosthogClient, got "phc_key". Pass getPosthog() or new PosthogClient({ config: loadConfig() }), or leave it out.',
    ],
  ])('throws at construction for %s', (_what, options, message) => {
    expect(() => posthogUser(options as never)).toThrow(new TypeError(message));
  });
});
