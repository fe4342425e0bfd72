// One benchmark server, started pinned by bench/run.ts:
//   node --expose-gc <bundle of this file> <scenario> <variant> [arg]   (see buildBench)
// It prints {"port": …} once listening; on each stdin line it prints its stats as one JSON line
// ({ rssBaseline, rssPeak, rssGrowth, queue, maxQueue, cpu }); on stdin end it exits.
//
// Scenarios and variants:
//   html   baseline | snippet | livereload | bytes | noop
//          a 30 KB server-rendered page (and a 1 KB JSON route) behind compression(); `bytes`
//          renders the snippet's exact bytes into the page itself, with no middleware (what the
//          extra bytes alone cost); `noop` adds one pass-through middleware (what any
//          middleware costs)
//   stream baseline | snippet  <MiB>          a streamed HTML page of <MiB> MiB, with back-pressure
//   capture none | ok | hang | refuse <host>  a route that calls captureException (none: does not)
import { createInterface } from 'node:readline';
import compression from 'compression';
import livereload from 'connect-livereload';
import express, { type Request, type Response } from 'express';
import { PosthogClient } from '../../src/client/index.js';
import { loadConfig } from '../../src/config/index.js';
import { posthogSnippet } from '../../src/middlewares/snippet/index.js';
import { createSnippetRenderer } from '../../src/snippet/render.js';

const [scenario = 'html', variant = 'baseline', arg = ''] = process.argv.slice(2);

// A real, enabled client. For every scenario but `capture` the host is a closed port and nothing
// is ever captured; the logger is the package's default (console), as an app would have it.
const client = new PosthogClient({
  config: loadConfig(
    {},
    { apiKey: 'phc_bench', host: scenario === 'capture' ? arg : 'http://127.0.0.1:9' },
  ),
});

const app = express();
app.disable('x-powered-by');
app.use(compression());
if (variant === 'snippet') app.use(posthogSnippet({ client }));
if (variant === 'livereload') app.use(livereload());
if (variant === 'noop') app.use((_req, _res, next) => next());

/** For `bytes`: the snippet posthogSnippet() would send an anonymous visitor, as a string. */
const SNIPPET_BYTES =
  variant === 'bytes'
    ? createSnippetRenderer(client.config, {
        src: `${client.config.assetsHost}/static/array.js`,
      })({ state: 'anonymous' }).toString('latin1')
    : '';

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
function renderDashboard(user: string): string {
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
${SNIPPET_BYTES}</head>
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

app.get('/page', function dashboard(_req: Request, res: Response) {
  res.type('html').send(renderDashboard('Ada Lovelace'));
});

app.get('/api/items', function items(_req: Request, res: Response) {
  res.json(JSON_BODY);
});

const STREAM_CHUNK = Buffer.from(`<p>${'streamed row '.repeat(4900)}</p>\n`);

app.get('/big', function big(_req: Request, res: Response) {
  const total = Number(arg || 64) * 1024 * 1024;
  res.type('html');
  res.write('<!DOCTYPE html><html><head><title>big</title></head><body>');
  let sent = 0;
  const pump = () => {
    while (sent < total) {
      sent += STREAM_CHUNK.length;
      if (!res.write(STREAM_CHUNK)) {
        res.once('drain', pump);
        return;
      }
    }
    res.end('</body></html>');
  };
  pump();
});

app.get('/fail', function fail(req: Request, res: Response) {
  const error = new Error('payment provider declined the charge');
  if (variant !== 'none') client.captureException(error, { request: req });
  res.json({ ok: false, error: 'declined' });
});

/** The SDK's in-memory event queue (posthog-node keeps it under the persisted key "queue"). */
function queueLength(): number {
  const sdk = client.sdk as unknown as { getPersistedProperty?(key: string): unknown[] };
  return sdk?.getPersistedProperty?.('queue')?.length ?? 0;
}

/** CPU time of the whole process (all threads, zlib's pool included), in microseconds. */
function cpuMicros(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}

let rssBaseline = 0;
let rssPeak = 0;
let maxQueue = 0;

const server = app.listen(0, '127.0.0.1', () => {
  (globalThis as { gc?: () => void }).gc?.();
  rssBaseline = process.memoryUsage.rss();
  rssPeak = rssBaseline;
  setInterval(() => {
    rssPeak = Math.max(rssPeak, process.memoryUsage.rss());
    maxQueue = Math.max(maxQueue, queueLength());
  }, 5).unref();
  const address = server.address();
  process.stdout.write(
    `${JSON.stringify({ port: typeof address === 'object' ? address?.port : 0 })}\n`,
  );
});

const lines = createInterface({ input: process.stdin });
lines.on('line', () => {
  rssPeak = Math.max(rssPeak, process.memoryUsage.rss());
  process.stdout.write(
    `${JSON.stringify({ rssBaseline, rssPeak, rssGrowth: rssPeak - rssBaseline, queue: queueLength(), maxQueue, cpu: cpuMicros() })}\n`,
  );
});
lines.on('close', () => {
  server.closeAllConnections();
  server.close();
  void client.shutdown(100).finally(() => process.exit(0));
});
