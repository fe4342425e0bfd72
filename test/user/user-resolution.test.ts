import type { Express, Request, RequestHandler, Response } from 'express';
import supertest from 'supertest';
import { describe, expect, it, onTestFinished } from 'vitest';
import { getRequestUser } from '../../src/core/attribution/request-user.js';
import { PosthogClient } from '../../src/core/client/index.js';
import { loadConfig } from '../../src/core/config/index.js';
import type { PosthogConfigOptions } from '../../src/core/config/types.js';
import { debugRouter } from '../../src/debug-route/index.js';
import { posthogErrorHandler } from '../../src/error-handler/index.js';
import { posthogUser } from '../../src/user/index.js';
import type { CapturedEvent } from '../helpers/capture-server.js';
import { expressVersions } from '../helpers/express-versions.js';
import { type RecordingLogger, recordingLogger } from '../helpers/logger.js';
import { useCaptureServer } from '../helpers/suite.js';

const suite = useCaptureServer();
const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A user object whose every read throws, as a broken ORM proxy or a lazy getter does. */
function throwingGetters(): object {
  return Object.defineProperties(
    {},
    {
      id: {
        get() {
          throw new Error('lazy load failed');
        },
      },
      email: { value: 'hostile@example.com' },
    },
  );
}
function trapProxy(): object {
  return new Proxy(
    {},
    {
      get() {
        throw new Error('trap says no');
      },
    },
  );
}
function revokedProxy(): object {
  const { proxy, revoke } = Proxy.revocable({ id: 'gone' }, {});
  revoke();
  return proxy;
}

const HOSTILE: ReadonlyArray<[string, () => object]> = [
  ['getters that throw', throwingGetters],
  ['a Proxy whose trap throws', trapProxy],
  ['a revoked Proxy', revokedProxy],
];

function loggedClient(options: PosthogConfigOptions = {}): {
  posthog: PosthogClient;
  logger: RecordingLogger;
} {
  const logger = recordingLogger();
  const posthog = new PosthogClient({
    config: loadConfig({}, { apiKey: 'phc_test', host: suite.server.url, logger, ...options }),
  });
  onTestFinished(() => posthog.shutdown());
  return { posthog, logger };
}

async function arrived(posthog: PosthogClient, event: string): Promise<CapturedEvent[]> {
  await posthog.shutdown();
  return suite.server.events.filter((e) => e.event === event);
}

describe.each(expressVersions)('posthogUser resolves the user on $name', ({ name, express }) => {
  const isExpress4 = name === 'Express 4';
  function asyncRoute(handler: (req: Request, res: Response) => Promise<void>): RequestHandler {
    if (!isExpress4) return handler as RequestHandler;
    return function express4AsyncRoute(req, res, next) {
      handler(req, res).catch(next);
    };
  }

  /** `/work` captures an event after an await; `/boom` throws; both answer what posthogUser resolved. */
  function buildApp(
    posthog: PosthogClient,
    options: Parameters<typeof posthogUser>[0] = {},
    auth?: (req: Request) => void,
  ): Express {
    const app = express();
    app.set('trust proxy', false);
    app.use((req, _res, next) => {
      auth?.(req);
      next();
    });
    app.use(posthogUser({ client: posthog, ...options }));
    app.get(
      '/work',
      asyncRoute(async function workRoute(req, res) {
        await tick(2);
        posthog.capture({ event: 'work done' });
        res.json({ user: getRequestUser(req) ?? null, locals: res.locals.posthogUser ?? null });
      }),
    );
    app.get('/boom', function boom() {
      throw new Error('route failed');
    });
    app.use(posthogErrorHandler({ client: posthog }));
    return app;
  }

  it.each(HOSTILE)(
    'treats a req.user with %s as anonymous, with one warning, and serves the request',
    async (_what, make) => {
      const { posthog, logger } = loggedClient();
      const app = buildApp(posthog, {}, (req) => {
        (req as { user?: unknown }).user = make();
      });
      const response = await supertest(app).get('/work').expect(200);
      expect(response.body).toEqual({ user: null, locals: null });
      await supertest(app).get('/boom').set('Accept', 'application/json').expect(500);
      const warnings = logger.warnings();
      expect(warnings).toHaveLength(2);
      expect(warnings[0]).toMatch(
        /^posthogUser: the user object threw when read \(.+\); treating the request as anonymous/,
      );
      const [exception] = await arrived(posthog, '$exception');
      expect(exception?.properties.user_id).toBeUndefined();
    },
  );

  it.each(HOSTILE)(
    'treats an async getUser resolving to %s as anonymous without failing the request or the process',
    async (_what, make) => {
      const { posthog, logger } = loggedClient();
      const app = buildApp(posthog, {
        getUser: async () => {
          await tick(1);
          return make();
        },
      });
      const response = await supertest(app).get('/work').expect(200);
      expect(response.body.user).toBeNull();
      expect(logger.warnings()).toHaveLength(1);
      const [event] = await arrived(posthog, 'work done');
      expect(event?.properties.$process_person_profile).toBe(false);
    },
  );

  it('treats a promise that rejects with a revoked Proxy as anonymous', async () => {
    const { posthog, logger } = loggedClient();
    const app = buildApp(posthog, { getUser: () => Promise.reject(revokedProxy()) });
    expect((await supertest(app).get('/work').expect(200)).body.user).toBeNull();
    expect(logger.warnings()[0]).toMatch(/^posthogUser: getUser rejected \(an unreadable object\)/);
    await posthog.shutdown();
  });

  it('treats a thenable whose then getter throws as anonymous', async () => {
    const { posthog } = loggedClient();
    const thenable = Object.defineProperty({}, 'then', {
      get() {
        throw new Error('then exploded');
      },
    });
    const app = buildApp(posthog, { getUser: () => thenable });
    expect((await supertest(app).get('/work').expect(200)).body.user).toBeNull();
    await posthog.shutdown();
  });

  it('attributes the error handler’s $exception to the user an async getUser resolved', async () => {
    const { posthog } = loggedClient();
    const app = buildApp(posthog, {
      getUser: async () => {
        await tick(2);
        return { id: 'async-7', email: 'async@example.com' };
      },
    });
    await supertest(app).get('/boom').set('Accept', 'application/json').expect(500);
    const [exception] = await arrived(posthog, '$exception');
    expect(exception?.distinct_id).toBe('async-7');
    expect(exception?.properties.user_id).toBe('async-7');
    expect(exception?.properties.user_email).toBe('async@example.com');
  });

  it('lets the debug route act for the user an async getUser resolved', async () => {
    const { posthog } = loggedClient({ debug: true });
    const app = express();
    app.use(
      posthogUser({
        client: posthog,
        getUser: async (req: Request) => {
          await tick(2);
          return req.get('x-account') ? { id: req.get('x-account') } : undefined;
        },
      }),
    );
    app.use(debugRouter({ client: posthog }));
    app.use(posthogErrorHandler({ client: posthog }));
    await supertest(app).get('/api/debug/throw').expect(401);
    await supertest(app)
      .get('/api/debug/throw?msg=pipeline')
      .set('x-account', 'ops-1')
      .set('Accept', 'application/json')
      .expect(500);
    const [exception] = await arrived(posthog, '$exception');
    expect(exception?.distinct_id).toBe('ops-1');
    expect(exception?.properties.$exception_list?.[0]?.value).toBe('pipeline');
  });

  it('withholds, in identify mode id, a user whose only id is the email', async () => {
    const { posthog } = loggedClient({ identifyPii: 'id' });
    const app = buildApp(posthog, {}, (req) => {
      (req as { user?: unknown }).user = { email: 'only@example.com', name: 'Only Email' };
    });
    await supertest(app).get('/work').set('X-PostHog-Distinct-Id', 'browser-9').expect(200);
    await supertest(app)
      .get('/boom')
      .set('Accept', 'application/json')
      .set('X-PostHog-Distinct-Id', 'browser-9')
      .expect(500);
    await posthog.shutdown();
    const sent = JSON.stringify(suite.server.events);
    expect(sent).not.toContain('only@example.com');
    const exception = suite.server.events.find((e) => e.event === '$exception');
    expect(exception?.distinct_id).toBe('browser-9');
    expect(exception?.properties.user_id).toBeUndefined();
  });

  it('still identifies, in identify mode id, a user with an own id, without the email', async () => {
    const { posthog } = loggedClient({ identifyPii: 'id' });
    const app = buildApp(posthog, {}, (req) => {
      (req as { user?: unknown }).user = { id: 'u-1', email: 'u1@example.com' };
    });
    await supertest(app).get('/boom').set('Accept', 'application/json').expect(500);
    const [exception] = await arrived(posthog, '$exception');
    expect(exception?.distinct_id).toBe('u-1');
    expect(exception?.properties.user_id).toBe('u-1');
    expect(JSON.stringify(exception)).not.toContain('u1@example.com');
  });

  it("links a page navigation's events and exception to the session in the posthog-js cookie", async () => {
    const { posthog } = loggedClient();
    const app = buildApp(posthog);
    const now = Date.now();
    const cookie = `ph_phc_test_posthog=${encodeURIComponent(
      JSON.stringify({ distinct_id: 'anon-1', $sesid: [now, 'sess-cookie', now - 1000] }),
    )}`;
    await supertest(app).get('/work?api_key=k1&q=shoes').set('Cookie', cookie).expect(200);
    await supertest(app)
      .get('/boom')
      .set('Cookie', cookie)
      .set('Accept', 'application/json')
      .set('User-Agent', 'nav-test')
      .expect(500);
    await posthog.shutdown();
    const work = suite.server.events.find((e) => e.event === 'work done');
    const exception = suite.server.events.find((e) => e.event === '$exception');
    for (const event of [work, exception]) {
      expect(event?.distinct_id).toBe('anon-1');
      expect(event?.properties.$session_id).toBe('sess-cookie');
      expect(event?.properties.$request_method).toBe('GET');
      expect(event?.properties.$ip).toBeUndefined();
    }
    expect(work?.properties.$current_url).toMatch(
      /^http:\/\/127\.0\.0\.1:\d+\/work\?api_key=\[redacted\]&q=shoes$/,
    );
    expect(work?.properties.$request_path).toBe('/work');
    expect(exception?.properties.$request_path).toBe('/boom');
    expect(exception?.properties.$response_status_code).toBe(500);
    expect(exception?.properties.$user_agent).toBe('nav-test');
  });

  it('adds $ip in identify mode full only', async () => {
    const { posthog } = loggedClient({ identifyPii: 'full' });
    await supertest(buildApp(posthog)).get('/work').expect(200);
    const [event] = await arrived(posthog, 'work done');
    expect(event?.properties.$ip).toMatch(/127\.0\.0\.1/);
  });
});

describe('posthogUser options', () => {
  it.each([
    [
      { getuser: () => undefined },
      'posthogUser: unknown option `getuser` — did you mean `getUser`? Its options are `getUser`, `client`.',
    ],
    [
      { clients: {} },
      'posthogUser: unknown option `clients` — did you mean `client`? Its options are `getUser`, `client`.',
    ],
    [
      { verbose: true },
      'posthogUser: unknown option `verbose`. Its options are `getUser`, `client`.',
    ],
    [
      { client: {} },
      'posthogUser: `client` must be a PosthogClient, got {}. Pass getPosthog() or new PosthogClient({ config: loadConfig() }), or leave it out.',
    ],
  ])('throws at construction for %j', (options, message) => {
    expect(() => posthogUser(options as never)).toThrow(new TypeError(message));
  });

  it('names an unknown debugRouter option too', () => {
    expect(() => debugRouter({ pth: '/x' } as never)).toThrow(
      new TypeError(
        'debugRouter: unknown option `pth` — did you mean `path`? Its options are `getUser`, `path`, `client`.',
      ),
    );
  });
});
