import type { Express, NextFunction, Request, Response } from 'express';
import { browser, page, type RequestCase } from '../harness/app-case.js';

/** The head a page streams and flushes before the rest: the snippet goes in at its end. */
export const FLUSHED_HEAD =
  '<!DOCTYPE html><html><head><meta charset="utf-8"><title>Early head</title><link rel="stylesheet" href="/app.css">';
/**
 * How long the flushing page waits between its head and the rest. A held flush sends the head
 * with the rest (a lead of a few ms); the wait leaves a loaded machine room to deliver a flushed
 * head late and still show a lead of `earlyBytesMs`.
 */
const FLUSH_WAIT_MS = 400;

/** A page whose title holds the guard's text as user content. */
export const TITLE_PAGE = page(
  'Why I call posthog.init( twice',
  '<p>The call <code>posthog.init(</code> in prose.</p>',
);

/** A page that already sets posthog-js up itself: left alone, validators included. */
export const GUARDED_PAGE = page(
  'Own analytics',
  '<p>This page runs its own posthog-js.</p>',
  '<script>posthog.init("phc_own_key", { api_host: "https://eu.i.posthog.com" });</script>',
);

/**
 * The shapes every app may answer: whole pages, HEAD, a raw-header-array writeHead with two
 * Set-Cookie, a page that flushes its head, documents without head/body tags, user text that
 * looks like the guard, a page with its own posthog.init, an htmx partial, SSE, JSON, a 404, a 500 page, plain text.
 */
export function coreRoutes(app: Express): void {
  app.get('/page', (_req, res) => res.send(page('Core', '<h1>Core</h1><p>A page.</p>')));
  app.get('/raw', (_req, res) => {
    const body = page('Raw', '<p>writeHead with a raw header array</p>');
    res.writeHead(200, [
      'Content-Type',
      'text/html; charset=utf-8',
      'Set-Cookie',
      'a=1; Path=/',
      'Set-Cookie',
      'b=2; Path=/',
      'X-Raw',
      'one',
      'Content-Length',
      String(Buffer.byteLength(body)),
    ]);
    res.end(body);
  });
  app.get('/flush', (_req, res) => {
    res.setHeader('Content-Type', 'text/html; charset=utf-8');
    res.write(FLUSHED_HEAD);
    (res as Response & { flush?: () => void }).flush?.();
    setTimeout(
      () =>
        res.end(
          '<meta name="late" content="after the flush"></head><body><p>the rest, later</p></body></html>',
        ),
      FLUSH_WAIT_MS,
    );
  });
  app.get('/bare', (_req, res) => res.type('html').send('<!doctype html><title>x</title><p>hi'));
  app.get('/bare-html', (_req, res) =>
    res.type('html').send('<!doctype html><html lang="en"><title>x</title><p>hi</p></html>'),
  );
  app.get('/title', (_req, res) => res.send(TITLE_PAGE));
  app.get('/guarded', (_req, res) => res.send(GUARDED_PAGE));
  app.get('/partial', (_req, res) =>
    res.type('html').send('<div id="results"><p>htmx partial</p></div>'),
  );
  app.get('/events', (_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
    res.write('event: tick\ndata: 1\n\n');
    setImmediate(() => res.end('event: tick\ndata: 2\n\n'));
  });
  app.get('/api', (_req, res) => res.json({ ok: true, items: [1, 2, 3] }));
  app.get('/text', (_req, res) => res.type('text/plain').send('plain text, not a page'));
  app.get('/boom', () => {
    throw new Error('drop-in matrix: deliberate failure');
  });
  app.use((_error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    res.status(500).send(page('Server error', '<h1>Something went wrong</h1>'));
  });
}

/** The requests of {@link coreRoutes}. */
export const CORE_REQUESTS: readonly RequestCase[] = [
  { name: 'a page, gzip', steps: [{ path: '/page', headers: browser('gzip') }] },
  { name: 'a page, br', steps: [{ path: '/page', headers: browser('br') }] },
  { name: 'a page, deflate', steps: [{ path: '/page', headers: browser('deflate') }] },
  { name: 'a page, no Accept-Encoding', steps: [{ path: '/page', headers: browser() }] },
  { name: 'a page, no Accept at all', steps: [{ path: '/page' }] },
  { name: 'HEAD of a page', steps: [{ method: 'HEAD', path: '/page', headers: browser() }] },
  {
    name: 'a page again with its own ETag (Accept text/html)',
    steps: [{ path: '/page', headers: browser(), conditional: { from: 'own', send: ['etag'] } }],
  },
  {
    name: 'a page again with its own ETag (no Accept)',
    steps: [{ path: '/page', conditional: { from: 'own', send: ['etag'] } }],
  },
  {
    name: "a page again with the baseline's ETag (Accept */*)",
    steps: [
      {
        path: '/page',
        headers: { Accept: '*/*' },
        conditional: { from: 'baseline', send: ['etag'] },
      },
    ],
  },
  {
    name: 'writeHead with a raw array holding two Set-Cookie',
    steps: [{ path: '/raw', headers: browser() }],
  },
  {
    name: 'writeHead with a raw array holding two Set-Cookie, gzip',
    steps: [{ path: '/raw', headers: browser('gzip') }],
  },
  {
    name: 'a page that flushes its head early (compression)',
    steps: [
      {
        path: '/flush',
        headers: browser('gzip'),
        insertAt: () => Buffer.byteLength(FLUSHED_HEAD),
        earlyBytesMs: 100,
      },
    ],
  },
  {
    name: 'a document without head and body tags',
    steps: [{ path: '/bare', headers: browser('gzip') }],
  },
  {
    name: 'a document with <html> but no head and body tags',
    steps: [{ path: '/bare-html', headers: browser() }],
  },
  {
    name: 'a title holding the text posthog.init(',
    steps: [{ path: '/title', headers: browser('gzip') }],
  },
  {
    name: 'a page with its own posthog.init, then again with its ETag',
    steps: [
      { path: '/guarded', headers: browser('gzip'), conditional: { from: 'own', send: ['etag'] } },
    ],
  },
  {
    name: 'an htmx partial, then again with its ETag',
    steps: [
      {
        path: '/partial',
        headers: { Accept: '*/*', 'HX-Request': 'true' },
        conditional: { from: 'own', send: ['etag'] },
      },
    ],
  },
  {
    name: 'an htmx partial asked for as text/html',
    steps: [{ path: '/partial', headers: browser('gzip', { 'HX-Request': 'true' }) }],
  },
  {
    name: 'server-sent events',
    steps: [
      { path: '/events', headers: { Accept: 'text/event-stream', 'Accept-Encoding': 'gzip' } },
    ],
  },
  {
    name: 'a JSON API call (Accept application/json)',
    steps: [{ path: '/api', headers: { Accept: 'application/json', 'Accept-Encoding': 'gzip' } }],
  },
  { name: 'a JSON API call (no Accept)', steps: [{ path: '/api' }] },
  { name: 'a 404 page', steps: [{ path: '/missing', headers: browser('gzip') }] },
  { name: 'a 500 page', steps: [{ path: '/boom', headers: browser() }] },
  { name: 'plain text', steps: [{ path: '/text', headers: browser('gzip') }] },
];
