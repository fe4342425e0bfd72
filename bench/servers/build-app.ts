// The bench app of every scenario, as a factory: bench/servers/app.ts serves it on a port,
// bench/cost.ts drives it in process. Variants (see app.ts for the scenarios):
//   baseline    compression() and the routes
//   snippet     + posthogSnippet(options.snippet)
//   inline|boot + posthogSnippet({ ...options.snippet, delivery: <variant> })
//   livereload  + connect-livereload (the peer that splices a script tag the same way)
//   bytes       no middleware; the page itself carries the snippet's exact bytes, as injected
//               (options.injected: what the extra bytes alone cost)
//   noop        + one pass-through middleware (what any middleware costs)
//   static      + the posthog-js bundle as a static file with precompressed copies
//               (/static/array.full.js, express.static, .br/.gz picked by Accept-Encoding)
//   none | ok | hang | refuse   (capture) /fail captures unless `none`
import compression from 'compression';
import livereload from 'connect-livereload';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type { PosthogClient } from '../../src/core/client/index.js';
import { posthogUser } from '../../src/user/index.js';
import { streamBigPage } from '../lib/big-page.js';
import { type SnippetOptions, snippetMiddleware } from '../lib/delivery.js';
import { ensurePrecompressed, STATIC_BUNDLE } from '../lib/precompressed.js';
import { renderOrdersPage } from './orders-page.js';

/** What {@link buildApp} builds. */
export interface BenchAppOptions {
  readonly variant: string;
  /** A real, enabled client. */
  readonly client: PosthogClient;
  /** Size of the `/big` page. @default 64 */
  readonly streamMiB?: number;
  /** Options of posthogSnippet for the snippet variants. */
  readonly snippet?: SnippetOptions;
  /** The `bytes` variant's snippet text, as the middleware injects it. */
  readonly injected?: string;
  /** Register posthogUser: a request with `x-bench-user: 1` is the logged-in {@link BENCH_USER}. */
  readonly users?: boolean;
  /** Count requests by path, answered as JSON at `/__bench/requests`; `/__bench/ping` answers. */
  readonly counting?: boolean;
}

/** The logged-in user of the bytes scenario (identify mode `email`, the default). */
export const BENCH_USER = {
  id: 'user_48213',
  email: 'ada.lovelace@example.com',
  name: 'Ada Lovelace',
};

interface Row {
  id: number;
  name: string;
  email: string;
  plan: string;
  total: number;
}

const ROWS: Row[] = Array.from({ length: 200 }, (_, i) => ({
  id: i + 1,
  name: `Customer ${i + 1}`,
  email: `customer${i + 1}@example.com`,
  plan: ['free', 'team', 'enterprise'][i % 3] ?? 'free',
  total: (i * 37.5) % 1000,
}));

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Renders the dashboard page (about 30 KB) on every request, as a template engine would. */
function renderDashboard(user: string, head: string): string {
  const rows = ROWS.map(
    (row) =>
      `<tr><td>${row.id}</td><td>${escapeHtml(row.name)}</td><td>${escapeHtml(row.email)}</td><td>${row.plan}</td><td>${row.total.toFixed(2)}</td></tr>`,
  ).join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Dashboard</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/static/app.css">
<style>body{font-family:system-ui,sans-serif;margin:0}table{border-collapse:collapse}td{padding:2px 8px}</style>
${head}</head>
<body>
<header><nav><a href="/">Home</a> <a href="/orders">Orders</a> <span>${escapeHtml(user)}</span></nav></header>
<main>
<h1>Customers</h1>
<table>
<thead><tr><th>#</th><th>Name</th><th>Email</th><th>Plan</th><th>Total</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
</main>
<footer><p>Rendered at ${new Date().toISOString()}</p></footer>
</body>
</html>
`;
}

/** 983 bytes as JSON: about 1 KB, under compression()'s 1 KB threshold, so sent as is. */
const JSON_BODY = {
  items: Array.from({ length: 16 }, (_, i) => ({
    id: i + 1,
    sku: `SKU-${1000 + i}`,
    name: `Item number ${i + 1}`,
    qty: i % 4,
  })),
  page: 1,
  pages: 8,
  next: '/api/items?page=2',
};

/**
 * A tiny precompressed static handler: picks `array.full.js.br` or `.gz` by Accept-Encoding
 * (no q-values: a bench stand-in for what a CDN or a build step does) and lets
 * `express.static` serve the file, immutable; compression() leaves an encoded response alone.
 */
function precompressedStatic() {
  const serve = express.static(ensurePrecompressed(), {
    immutable: true,
    maxAge: '1y',
    index: false,
  });
  return function staticBundle(req: Request, res: Response, next: NextFunction) {
    if (req.path !== `/${STATIC_BUNDLE}`) return next();
    const accepted = String(req.headers['accept-encoding'] ?? '');
    const encoding = /\bbr\b/.test(accepted) ? 'br' : /\bgzip\b/.test(accepted) ? 'gzip' : '';
    res.setHeader('Content-Type', 'application/javascript; charset=utf-8');
    res.setHeader('Vary', 'Accept-Encoding');
    if (encoding) {
      res.setHeader('Content-Encoding', encoding);
      req.url = `/${STATIC_BUNDLE}.${encoding === 'br' ? 'br' : 'gz'}`;
    }
    serve(req, res, next);
  };
}

/**
 * The bench app for `variant`, with the routes /page, /report, /api/items, /big, /fail, and
 * /static/array.full.js for `static`.
 */
export function buildApp(options: BenchAppOptions): Express {
  const { variant, client, streamMiB = 64 } = options;
  const app = express();
  app.disable('x-powered-by');
  if (options.counting) countRequests(app);
  app.use(compression());
  if (variant === 'snippet') app.use(snippetMiddleware(client, options.snippet));
  if (variant === 'inline' || variant === 'boot') {
    app.use(snippetMiddleware(client, { ...options.snippet, delivery: variant }));
  }
  if (variant === 'livereload') app.use(livereload());
  if (variant === 'noop') app.use((_req, _res, next) => next());
  if (variant === 'static') app.use('/static', precompressedStatic());
  if (options.users) {
    app.use(
      posthogUser({ getUser: (req) => (req.headers['x-bench-user'] ? BENCH_USER : undefined) }),
    );
  }
  const head = variant === 'bytes' ? (options.injected ?? '') : '';

  app.get('/page', function dashboard(_req: Request, res: Response) {
    res.type('html').send(renderDashboard('Ada Lovelace', head));
  });

  app.get('/report', function report(_req: Request, res: Response) {
    res.type('html').send(renderOrdersPage('Ada Lovelace'));
  });

  app.get('/api/items', function items(_req: Request, res: Response) {
    res.json(JSON_BODY);
  });

  app.get('/big', function big(_req: Request, res: Response) {
    streamBigPage(res, streamMiB);
  });

  app.get('/fail', function fail(req: Request, res: Response) {
    const error = new Error('payment provider declined the charge');
    if (variant !== 'none') client.captureException(error, { request: req });
    res.json({ ok: false, error: 'declined' });
  });
  return app;
}

/** `/__bench/requests` (requests so far, by path) and `/__bench/ping`, ahead of everything. */
function countRequests(app: Express): void {
  const counts: Record<string, number> = {};
  app.use(function count(req: Request, res: Response, next: NextFunction) {
    if (req.path === '/__bench/requests') {
      res.json(counts);
      return;
    }
    if (req.path === '/__bench/ping') {
      res.setHeader('Cache-Control', 'no-store');
      res.end('pong');
      return;
    }
    counts[req.path] = (counts[req.path] ?? 0) + 1;
    next();
  });
}
