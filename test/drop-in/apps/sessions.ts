import cookieSession from 'cookie-session';
import type { Request, Response } from 'express';
import session from 'express-session';
import onHeaders from 'on-headers';
import { Passport } from 'passport';
import { Strategy as LocalStrategy } from 'passport-local';
import { type AppCase, browser, page, type StepSpec } from '../harness/app-case.js';
import { deterministicSessionId, SECRET } from './deterministic.js';

type Views = { views?: number; hits?: number; note?: string };

function memorySession() {
  return session({
    secret: SECRET,
    resave: false,
    saveUninitialized: false,
    genid: deterministicSessionId,
  });
}

/** express-session with its memory store: a page that starts a session, a streamed one that changes it. */
export const expressSessionApp: AppCase = {
  name: 'express-session (memory store)',
  positioned(app) {
    app.use(memorySession());
  },
  routes(app) {
    app.get('/visit', (req: Request, res: Response) => {
      const s = req.session as unknown as Views;
      s.views = (s.views ?? 0) + 1;
      res.send(page(`Visit ${s.views}`, `<p>You have been here ${s.views} time(s).</p>`));
    });
    app.get('/stream', (req: Request, res: Response) => {
      const s = req.session as unknown as Views;
      s.views = (s.views ?? 0) + 10;
      res.setHeader('Content-Type', 'text/html; charset=utf-8');
      res.write('<!DOCTYPE html><html><head><title>Streamed</title>');
      setImmediate(() => {
        res.write('</head><body><p>streamed, session changed</p>');
        setImmediate(() => res.end('</body></html>'));
      });
    });
    app.get('/views', (req: Request, res: Response) => {
      const s = req.session as unknown as Views;
      res.send(page('Views', `<p id="views">${s.views ?? 0}</p>`));
    });
    app.get('/api/views', (req: Request, res: Response) => {
      const s = req.session as unknown as Views;
      s.hits = (s.hits ?? 0) + 1;
      res.json({ views: s.views ?? 0, hits: s.hits });
    });
  },
  requests: [
    {
      name: 'a page that starts the session, then a page that reads it',
      steps: [
        { path: '/visit', headers: browser('gzip') },
        { path: '/views', headers: browser() },
      ],
    },
    {
      name: 'a streamed page that changes the session, then a page that reads it',
      steps: [
        { path: '/stream', headers: browser() },
        { path: '/views', headers: browser('br') },
      ],
    },
    {
      name: 'a JSON call that changes the session (Accept */*), then a page',
      steps: [
        { path: '/api/views', headers: { Accept: '*/*' } },
        { path: '/views', headers: browser('gzip') },
      ],
    },
    {
      name: 'a JSON call (Accept application/json)',
      steps: [{ path: '/api/views', headers: { Accept: 'application/json' } }],
    },
  ],
};

/** cookie-session: its Set-Cookie is written by an on-headers listener. */
export const cookieSessionApp: AppCase = {
  name: 'cookie-session',
  positioned(app) {
    app.use(cookieSession({ name: 'sess', keys: [SECRET] }));
  },
  routes(app) {
    app.get('/set', (req: Request, res: Response) => {
      (req.session as Views).note = 'hello';
      res.send(page('Set', '<p>session set</p>'));
    });
    app.get('/read', (req: Request, res: Response) => {
      res.send(page('Read', `<p id="note">${(req.session as Views).note ?? '(none)'}</p>`));
    });
    app.get('/api/count', (req: Request, res: Response) => {
      const s = req.session as Views;
      s.hits = (s.hits ?? 0) + 1;
      res.json({ hits: s.hits });
    });
  },
  requests: [
    {
      name: 'a page that sets the session, then a page that reads it',
      steps: [
        { path: '/set', headers: browser('gzip') },
        { path: '/read', headers: browser() },
      ],
    },
    {
      name: 'a JSON call that sets the session (Accept */*), then a page that reads it',
      steps: [
        { path: '/api/count', headers: { Accept: '*/*' } },
        { path: '/read', headers: browser() },
      ],
    },
    {
      name: 'a JSON call that sets the session (no Accept)',
      steps: [{ path: '/api/count' }],
    },
    {
      name: 'a JSON call that sets the session (Accept application/json)',
      steps: [{ path: '/api/count', headers: { Accept: 'application/json' } }],
    },
  ],
};

const ALICE = { id: 'u-alice', email: 'alice@example.com', name: 'Alice' };
const alice = { id: ALICE.id, email: ALICE.email };

/** The login POST: its redirect already goes to the logged-in user. */
function login(): StepSpec {
  return {
    user: alice,
    method: 'POST',
    path: '/login',
    headers: { ...browser(), 'Content-Type': 'application/x-www-form-urlencoded' },
    body: Buffer.from('username=alice&password=wonderland'),
  };
}

/**
 * passport (local strategy) over express-session: a login POST, then pages for the logged-in
 * user under every cache rule (none, private, public, max-age alone, CDN-Cache-Control,
 * Vercel-CDN-Cache-Control, Expires, Surrogate-Control, and a public Cache-Control set by an
 * on-headers hook after the snippet).
 */
export const passportApp: AppCase = {
  name: 'passport (local strategy)',
  setup(app) {
    const auth = new Passport();
    auth.use(
      new LocalStrategy((username, password, done) =>
        done(null, username === 'alice' && password === 'wonderland' ? ALICE : false),
      ),
    );
    auth.serializeUser((user, done) => done(null, (user as typeof ALICE).id));
    auth.deserializeUser((id, done) => done(null, id === ALICE.id ? ALICE : false));
    app.locals.auth = auth;
  },
  positioned(app) {
    const auth = app.locals.auth as InstanceType<typeof Passport>;
    app.use(memorySession());
    app.use(auth.initialize());
    app.use(auth.session());
  },
  routes(app, ctx) {
    const auth = app.locals.auth as InstanceType<typeof Passport>;
    app.get('/login', (_req, res) =>
      res.send(
        page(
          'Log in',
          '<form method="post"><input name="username"><input name="password" type="password"></form>',
        ),
      ),
    );
    app.post(
      '/login',
      ctx.express.urlencoded({ extended: false }),
      auth.authenticate('local', { successRedirect: '/account', failureRedirect: '/login' }),
    );
    const hello = (req: Request) =>
      page('Account', `<p>Hello ${(req.user as typeof ALICE | undefined)?.name ?? 'guest'}</p>`);
    app.get('/account', (req, res) => res.send(hello(req)));
    app.get('/account/private', (req, res) => {
      res.setHeader('Cache-Control', 'private, no-cache');
      res.send(hello(req));
    });
    app.get('/account/public', (req, res) => {
      res.setHeader('Cache-Control', 'public, max-age=60');
      res.send(hello(req));
    });
    app.get('/account/max-age', (req, res) => {
      res.setHeader('Cache-Control', 'max-age=60');
      res.send(hello(req));
    });
    app.get('/account/cdn', (req, res) => {
      res.setHeader('CDN-Cache-Control', 'max-age=60');
      res.send(hello(req));
    });
    app.get('/account/expires', (req, res) => {
      res.setHeader('Expires', 'Thu, 01 Jan 2099 00:00:00 GMT');
      res.send(hello(req));
    });
    app.get('/account/vercel-cdn', (req, res) => {
      res.setHeader('Vercel-CDN-Cache-Control', 'max-age=60');
      res.send(hello(req));
    });
    app.get('/account/surrogate', (req, res) => {
      res.setHeader('Surrogate-Control', 'max-age=60');
      res.send(hello(req));
    });
    app.get('/account/late-public', (req, res) => {
      onHeaders(res, () => res.setHeader('Cache-Control', 'public, max-age=60'));
      res.send(hello(req));
    });
  },
  requests: [
    { name: 'the login form', steps: [{ path: '/login', headers: browser('gzip') }] },
    {
      name: 'log in, then the account page (no Cache-Control)',
      steps: [login(), { path: '/account', headers: browser('gzip'), user: alice }],
    },
    {
      name: 'log in, then a Cache-Control: private page',
      steps: [login(), { path: '/account/private', headers: browser(), user: alice }],
    },
    {
      name: 'log in, then a Cache-Control: public, max-age=60 page',
      steps: [login(), { path: '/account/public', headers: browser('gzip'), user: alice }],
    },
    {
      name: 'log in, then a Cache-Control: max-age=60 page',
      steps: [login(), { path: '/account/max-age', headers: browser(), user: alice }],
    },
    {
      name: 'log in, then a CDN-Cache-Control page',
      steps: [login(), { path: '/account/cdn', headers: browser(), user: alice }],
    },
    {
      name: 'log in, then a page with Expires',
      steps: [login(), { path: '/account/expires', headers: browser(), user: alice }],
    },
    {
      name: 'log in, then a Vercel-CDN-Cache-Control page',
      steps: [login(), { path: '/account/vercel-cdn', headers: browser(), user: alice }],
    },
    {
      name: 'log in, then a Surrogate-Control page',
      steps: [login(), { path: '/account/surrogate', headers: browser(), user: alice }],
    },
    {
      name: 'log in, then a page made public by a later on-headers hook',
      steps: [login(), { path: '/account/late-public', headers: browser(), user: alice }],
    },
    {
      name: 'an anonymous visitor of a Cache-Control: max-age=60 page',
      steps: [{ path: '/account/max-age', headers: browser() }],
    },
  ],
};
