import { join } from 'node:path';
import type { Express } from 'express';
import { engine as handlebars } from 'express-handlebars';
import nunjucks from 'nunjucks';
import { createElement as h, Suspense, use } from 'react';
import { renderToPipeableStream } from 'react-dom/server';
import { type AppCase, browser, type RequestCase } from '../harness/app-case.js';

const LOCALS = { title: 'Rendered <page> & co', items: ['one', 'two', 'three'] };

const renderRequests: readonly RequestCase[] = [
  { name: 'a rendered page, gzip', steps: [{ path: '/', headers: browser('gzip') }] },
  { name: 'a rendered page, no Accept-Encoding', steps: [{ path: '/', headers: browser() }] },
  { name: 'a rendered page, no Accept', steps: [{ path: '/' }] },
];

function renderApp(name: string, configure: (app: Express, views: string) => void): AppCase {
  return {
    name,
    setup(app, ctx) {
      configure(app, join(ctx.fixtures, 'views'));
    },
    routes(app) {
      app.get('/', (_req, res) => res.render('page', LOCALS));
    },
    requests: renderRequests,
  };
}

/** The four template engines Express users run most. */
export const engineApps: readonly AppCase[] = [
  renderApp('EJS', (app, views) => {
    app.set('views', views);
    app.set('view engine', 'ejs');
  }),
  renderApp('Pug', (app, views) => {
    app.set('views', views);
    app.set('view engine', 'pug');
  }),
  renderApp('Handlebars (express-handlebars)', (app, views) => {
    app.engine('hbs', handlebars({ defaultLayout: false, extname: '.hbs' }));
    app.set('views', views);
    app.set('view engine', 'hbs');
  }),
  renderApp('Nunjucks', (app, views) => {
    const env = new nunjucks.Environment(new nunjucks.FileSystemLoader(views), {
      autoescape: true,
    });
    env.express(app);
    app.set('views', views);
    app.set('view engine', 'njk');
  }),
];

/** A component that suspends until `ready` resolves. */
function Slow({ ready }: { ready: Promise<string> }) {
  return h('p', { id: 'slow' }, use(ready));
}

/**
 * React 19 streaming SSR: `renderToPipeableStream` piped into `res` once the shell is ready; a
 * Suspense boundary resolves a little later, so its content streams in after the shell.
 */
export const reactApp: AppCase = {
  name: 'React 19 streaming SSR',
  routes(app) {
    app.get('/', (_req, res) => {
      let resolve: (value: string) => void = () => {};
      const ready = new Promise<string>((r) => {
        resolve = r;
      });
      const tree = h(
        'html',
        { lang: 'en' },
        h('head', null, h('meta', { charSet: 'utf-8' }), h('title', null, 'React SSR')),
        h(
          'body',
          null,
          h('h1', null, 'Streaming'),
          h(Suspense, { fallback: h('p', null, 'Loading…') }, h(Slow, { ready })),
        ),
      );
      const stream = renderToPipeableStream(tree, {
        onShellReady() {
          res.statusCode = 200;
          res.setHeader('Content-Type', 'text/html; charset=utf-8');
          stream.pipe(res);
          setTimeout(() => resolve('Loaded after the shell'), 30);
        },
        onShellError() {
          res.statusCode = 500;
          res.end();
        },
      });
    });
  },
  requests: [
    {
      name: 'a streamed page with a Suspense boundary, gzip',
      steps: [{ path: '/', headers: browser('gzip') }],
    },
    {
      name: 'a streamed page with a Suspense boundary, br',
      steps: [{ path: '/', headers: browser('br') }],
    },
    {
      name: 'a streamed page with a Suspense boundary, identity',
      steps: [{ path: '/', headers: browser() }],
    },
  ],
};
