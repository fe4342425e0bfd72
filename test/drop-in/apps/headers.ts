import type { Request, Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import helmet from 'helmet';
import morgan from 'morgan';
import responseTime from 'response-time';
import { type AppCase, browser, page } from '../harness/app-case.js';
import { CORE_REQUESTS, coreRoutes } from './core-routes.js';
import { deterministicNonce, discard } from './deterministic.js';

const simpleRequests = [
  { name: 'a page, gzip', steps: [{ path: '/page', headers: browser('gzip') }] },
  { name: 'a page, no Accept-Encoding', steps: [{ path: '/page', headers: browser() }] },
  {
    name: 'an htmx partial',
    steps: [{ path: '/partial', headers: { Accept: '*/*', 'HX-Request': 'true' } }],
  },
  {
    name: 'a JSON API call (Accept application/json)',
    steps: [{ path: '/api', headers: { Accept: 'application/json' } }],
  },
  { name: 'a JSON API call (Accept */*)', steps: [{ path: '/api', headers: { Accept: '*/*' } }] },
];

/** morgan, to a discarded stream, around every shape of {@link coreRoutes}. */
export const morganApp: AppCase = {
  name: 'morgan',
  positioned(app) {
    app.use(morgan('combined', { stream: discard() }));
  },
  routes: coreRoutes,
  requests: CORE_REQUESTS,
};

/** helmet with its defaults (a CSP, HSTS, and the rest). */
export const helmetApp: AppCase = {
  name: 'helmet (defaults)',
  positioned(app) {
    app.use(helmet());
  },
  routes: coreRoutes,
  requests: simpleRequests,
};

/** helmet with a per-request nonce in `res.locals.cspNonce`, generated deterministically. */
export const helmetNonceApp: AppCase = {
  name: 'helmet (nonce via res.locals.cspNonce)',
  setup(app) {
    app.use((req: Request, res: Response, next) => {
      res.locals.cspNonce = deterministicNonce(req);
      next();
    });
  },
  positioned(app) {
    app.use(
      helmet({
        contentSecurityPolicy: {
          directives: {
            scriptSrc: ["'self'", (_req, res) => `'nonce-${(res as Response).locals.cspNonce}'`],
          },
        },
      }),
    );
  },
  routes(app) {
    app.get('/page', (_req, res) =>
      res.send(
        page(
          'Nonce',
          '<p>A page with its own inline script.</p>',
          `<script nonce="${res.locals.cspNonce}">document.documentElement.dataset.ok = '1';</script>`,
        ),
      ),
    );
  },
  requests: [
    {
      name: 'a page with its own nonced script, gzip',
      steps: [{ path: '/page', headers: browser('gzip'), nonce: true }],
    },
    {
      name: 'a page with its own nonced script, no Accept-Encoding',
      steps: [{ path: '/page', headers: browser(), nonce: true }],
    },
  ],
};

/** express-rate-limit: standard and legacy headers, and a 429 answered as HTML. */
export const rateLimitApp: AppCase = {
  name: 'express-rate-limit',
  positioned(app) {
    app.use(
      rateLimit({
        windowMs: 60_000,
        limit: 10_000,
        standardHeaders: 'draft-7',
        legacyHeaders: true,
      }),
    );
  },
  routes(app) {
    const tight = rateLimit({ windowMs: 60_000, limit: 1, standardHeaders: 'draft-6' });
    app.get('/tight', tight, (_req, res) => res.send(page('Tight', '<p>allowed once</p>')));
    coreRoutes(app);
  },
  requests: [
    ...simpleRequests,
    {
      name: 'a limited page, then the 429',
      steps: [
        { path: '/tight', headers: browser('gzip') },
        { path: '/tight', headers: browser('gzip') },
      ],
    },
  ],
};

/** response-time: an on-headers user that sets X-Response-Time. */
export const responseTimeApp: AppCase = {
  name: 'response-time',
  positioned(app) {
    app.use(responseTime());
  },
  routes: coreRoutes,
  requests: [
    ...simpleRequests,
    {
      name: 'a page that flushes its head early',
      steps: [CORE_REQUESTS.find((r) => r.name.startsWith('a page that flushes'))!.steps[0]!],
    },
  ],
};
