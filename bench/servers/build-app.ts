// The bench app of every scenario, as a factory: bench/servers/app.ts serves it on a port,
// bench/cost.ts drives it in process. Variants (see app.ts for the scenarios):
//   baseline    compression() and the routes
//   snippet     + posthogSnippet()
//   livereload  + connect-livereload (the peer that splices a script tag the same way)
//   bytes       no middleware; the page itself carries the snippet's exact bytes (what the
//               extra bytes alone cost)
//   noop        + one pass-through middleware (what any middleware costs)
//   none | ok | hang | refuse   (capture) /fail captures unless `none`
import compression from 'compression';
import livereload from 'connect-livereload';
import express, { type Express, type Request, type Response } from 'express';
import type { PosthogClient } from '../../src/client/index.js';
import { posthogSnippet } from '../../src/middlewares/snippet/index.js';
import { createSnippetRenderer } from '../../src/snippet/render.js';
import { streamBigPage } from '../lib/big-page.js';

/** What {@link buildApp} builds. */
export interface BenchAppOptions {
  readonly variant: string;
  /** A real, enabled client. */
  readonly client: PosthogClient;
  /** Size of the `/big` page. @default 64 */
  readonly streamMiB?: number;
}

/** The snippet posthogSnippet() sends an anonymous visitor with this client, as a string. */
export function anonymousSnippet(client: PosthogClient): string {
  return createSnippetRenderer(client.config, {
    src: `${client.config.assetsHost}/static/array.js`,
  })({ state: 'anonymous' }).toString('latin1');
}

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

/** The bench app for `variant`, with the routes /page, /api/items, /big and /fail. */
export function buildApp({ variant, client, streamMiB = 64 }: BenchAppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(compression());
  if (variant === 'snippet') app.use(posthogSnippet({ client }));
  if (variant === 'livereload') app.use(livereload());
  if (variant === 'noop') app.use((_req, _res, next) => next());
  const head = variant === 'bytes' ? anonymousSnippet(client) : '';

  app.get('/page', function dashboard(_req: Request, res: Response) {
    res.type('html').send(renderDashboard('Ada Lovelace', head));
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
