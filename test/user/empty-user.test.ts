import type { Express, NextFunction, Request, Response } from 'express';
import supertest from 'supertest';
import { describe, expect, it } from 'vitest';
import { getRequestUser } from '../../src/core/attribution/request-user.js';
import type { PosthogClient } from '../../src/core/client/index.js';
import { posthogErrorHandler } from '../../src/error-handler/index.js';
import { posthogSnippet } from '../../src/snippet/index.js';
import { posthogUser } from '../../src/user/index.js';
import type { CapturedEvent } from '../helpers/capture-server.js';
import { expressVersions } from '../helpers/express-versions.js';
import { PAGE, snippetIdentityOf } from '../helpers/html.js';
import { useCaptureServer } from '../helpers/suite.js';

const suite = useCaptureServer();

const LOCALS_USER = { id: 'u-locals', email: 'grace@example.com', name: 'Grace Hopper' };

/**
 * A session that lost its user: the auth leaves `req.user = {}` (as some session
 * middleware does), and the app may have put the user on `res.locals.user` itself.
 */
function emptySession(withLocalsUser: boolean) {
  return function emptySessionAuth(req: Request, res: Response, next: NextFunction): void {
    (req as { user?: unknown }).user = {};
    if (withLocalsUser) res.locals.user = LOCALS_USER;
    next();
  };
}

/** Events named `event` at the capture server, once the client has shut down (which drains). */
async function arrived(posthog: PosthogClient, event: string): Promise<CapturedEvent[]> {
  await posthog.shutdown();
  return suite.server.events.filter((e) => e.event === event);
}

describe.each(expressVersions)('req.user = {} on $name', ({ express }) => {
  /** The page (snippet), a route that captures after the user is known, and a route that throws. */
  function buildApp(posthog: PosthogClient, withLocalsUser: boolean, withPosthogUser: boolean) {
    const app: Express = express();
    app.use(posthogSnippet({ client: posthog }));
    app.use(emptySession(withLocalsUser));
    if (withPosthogUser) app.use(posthogUser({ client: posthog }));
    app.get('/page', (_req, res) => {
      res.send(PAGE);
    });
    app.get('/work', (req, res) => {
      posthog.capture({ event: 'work done' });
      res.json({ stored: getRequestUser(req) ?? null, locals: res.locals.posthogUser ?? null });
    });
    app.get('/boom', function boom() {
      throw new Error('lost session');
    });
    app.use(posthogErrorHandler({ client: posthog }));
    return app;
  }

  describe.each([
    ['with posthogUser', true],
    ['without posthogUser', false],
  ])('%s', (_how, withPosthogUser) => {
    it('falls back to res.locals.user for the page, the server events and the error handler', async () => {
      const posthog = suite.client();
      const app = buildApp(posthog, true, withPosthogUser);
      const page = await supertest(app).get('/page').set('Accept', 'text/html').expect(200);
      expect(snippetIdentityOf(page.text)).toMatchObject({ state: 'user', id: 'u-locals' });
      const work = await supertest(app).get('/work').expect(200);
      expect(work.body.stored).toEqual({
        id: 'u-locals',
        email: 'grace@example.com',
        name: 'Grace Hopper',
      });
      if (withPosthogUser) expect(work.body.locals).toEqual(work.body.stored);
      await supertest(app).get('/boom').set('Accept', 'application/json').expect(500);
      const [exception] = await arrived(posthog, '$exception');
      expect(exception?.distinct_id).toBe('u-locals');
      expect(exception?.properties).toMatchObject({
        user_id: 'u-locals',
        user_email: 'grace@example.com',
      });
      if (withPosthogUser) {
        const [work] = suite.server.events.filter((e) => e.event === 'work done');
        expect(work?.distinct_id).toBe('u-locals');
      }
    });

    it('is anonymous everywhere when res.locals.user is not set either', async () => {
      const posthog = suite.client();
      const app = buildApp(posthog, false, withPosthogUser);
      const page = await supertest(app).get('/page').set('Accept', 'text/html').expect(200);
      expect(snippetIdentityOf(page.text)).not.toMatchObject({ state: 'user' });
      const work = await supertest(app).get('/work').expect(200);
      expect(work.body).toEqual({ stored: null, locals: null });
      await supertest(app).get('/boom').set('Accept', 'application/json').expect(500);
      const [exception] = await arrived(posthog, '$exception');
      expect(exception?.properties).not.toHaveProperty('user_id');
      expect(exception?.properties.$process_person_profile).toBe(false);
    });
  });
});
