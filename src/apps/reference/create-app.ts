import compression from 'compression';
import express, { type Express, type RequestHandler } from 'express';
import nunjucks from 'nunjucks';
import { getPosthog, type PosthogClient } from '../../core/client/index.js';
import { checkOptionsObject, optionKeys } from '../../core/options/options.js';
import { viewsDir } from '../../core/package/views-dir.js';
import { debugRouter } from '../../debug-route/index.js';
import { posthogErrorHandler } from '../../error-handler/index.js';
import { type PosthogProxyOptions, posthogProxy } from '../../proxy/index.js';
import { type PosthogSnippetOptions, posthogSnippet } from '../../snippet/index.js';
import { posthogUser } from '../../user/index.js';
import type { PosthogInspector } from '../inspector/index.js';
import { demoAuth } from './demo-auth.js';
import { demoRoutes } from './routes.js';

/** Options of {@link createApp}. */
export interface CreateAppOptions {
  /** The PostHog client. @default getPosthog() */
  readonly client?: PosthogClient;
  /**
   * The app's own auth, run before `posthogUser()`; it should set `req.user`.
   * When given, the demo login is off.
   */
  readonly auth?: RequestHandler;
  /**
   * The demo login (any name and email, in a signed cookie).
   * @default on, except when `NODE_ENV=production` or `auth` is given
   */
  readonly demoAuth?: boolean;
  /** Signs the demo login cookie. @default a random secret per process */
  readonly demoAuthSecret?: string;
  /** Extra options for the snippet middleware (the client is passed for you). */
  readonly snippet?: Omit<PosthogSnippetOptions, 'client'>;
  /** Mounted before the pages. */
  readonly before?: (app: Express) => void;
  /**
   * The local inspector (`posthogInspector()` from `express-posthog/inspector`), mounted
   * at `inspectorPath` ahead of compression and the snippet, and linked from the nav.
   */
  readonly inspector?: PosthogInspector;
  /** Where the inspector is mounted. @default the inspector's own `path`, '/_inspector' */
  readonly inspectorPath?: string;
  /**
   * A first-party reverse proxy to PostHog (`posthogProxy`), mounted first; the
   * snippet's `api_host` then points at its path (unless `snippet.apiHost` is given)
   * and `ui_host` is sent.
   */
  readonly proxy?: Omit<PosthogProxyOptions, 'client'>;
}

/** Its options; any other key is refused. */
const OPTION_KEYS = optionKeys<CreateAppOptions>({
  client: true,
  auth: true,
  demoAuth: true,
  demoAuthSecret: true,
  snippet: true,
  before: true,
  inspector: true,
  inspectorPath: true,
  proxy: true,
});

/**
 * The reference app (docs/observability.md, "The reference app"), wired in the order that works:
 * (`posthogProxy`, inspector) → `compression` → `posthogSnippet` → auth →
 * `posthogUser` → routes → 404 → `posthogErrorHandler`. Views are Nunjucks templates under `views/app/`.
 *
 * @param given - see {@link CreateAppOptions}; an unknown key throws a `TypeError` naming the
 *   nearest valid one. @default {}
 * @returns the Express app, not yet listening.
 * @example
 * import { createApp } from 'express-posthog/app';
 * createApp().listen(3000);
 */
export function createApp(given?: Readonly<CreateAppOptions>): Express {
  const options = checkOptionsObject<CreateAppOptions>(
    'createApp',
    'createApp().listen(3000)',
    given,
    OPTION_KEYS,
  );
  const client = options.client ?? getPosthog();
  const { config } = client;
  const useDemoAuth = options.demoAuth ?? (!config.production && options.auth === undefined);
  if (useDemoAuth && config.production) {
    config.logger.warn(
      'createApp: the demo login is on in production because demoAuth: true was passed.',
    );
  }

  const app = express();
  app.disable('x-powered-by');
  const views = new nunjucks.Environment(new nunjucks.FileSystemLoader(viewsDir()), {
    autoescape: true,
  });
  views.express(app);
  app.set('views', viewsDir());
  app.set('view engine', 'njk');
  app.locals.enabled = client.enabled;
  app.locals.host = config.host;
  app.locals.environment = config.environment;
  app.locals.release = config.release;
  app.locals.loginEnabled = useDemoAuth;

  if (options.proxy) app.use(posthogProxy({ ...options.proxy, client }));
  if (options.inspector) {
    if (config.production) {
      throw new Error(
        'createApp: refusing to mount the inspector with NODE_ENV=production; pass no `inspector` there.',
      );
    }
    // A handler without `path` (wrapped by the app) mounts where `npm start` mounts it.
    const path = options.inspectorPath ?? options.inspector.path ?? '/_inspector';
    app.use(path, options.inspector);
    app.locals.inspectorPath = `${path}/`;
  }
  app.use(compression());
  const proxyApiHost = options.proxy ? { apiHost: options.proxy.path ?? '/ingest' } : {};
  app.use(posthogSnippet({ ...proxyApiHost, ...options.snippet, client }));
  options.before?.(app);
  if (options.auth) app.use(options.auth);
  if (useDemoAuth) {
    app.use(
      demoAuth(options.demoAuthSecret !== undefined ? { secret: options.demoAuthSecret } : {}),
    );
  }
  app.use(posthogUser({ client }));
  app.use(debugRouter({ client }));
  app.use(demoRoutes(client));
  app.use(function notFound(_req, res) {
    res.status(404).render('app/404.njk');
  });
  app.use(
    posthogErrorHandler({
      client,
      render(_req, res, details) {
        res.render('app/500.njk', details);
      },
    }),
  );
  return app;
}
