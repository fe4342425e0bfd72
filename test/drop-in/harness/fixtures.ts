import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { page } from './app-case.js';

/** One fixed instant for every fixture file: validators are the same in every copy and run. */
export const FIXED_MTIME = new Date('2024-03-01T12:00:00Z');

/** The static files and view templates the apps serve, by path under the fixture folder. */
export const FIXTURE_FILES: Readonly<Record<string, string>> = {
  'static/page.html': page('Static page', '<h1>Static</h1><p>Served by serve-static.</p>'),
  'static/style.css': 'body { font-family: sans-serif; }\nh1 { color: rebeccapurple; }\n',
  'views/page.ejs':
    '<!DOCTYPE html><html><head><title><%= title %></title></head><body><h1><%= title %></h1><ul><% for (const item of items) { %><li><%= item %></li><% } %></ul></body></html>',
  'views/page.pug':
    'doctype html\nhtml\n  head\n    title= title\n  body\n    h1= title\n    ul\n      each item in items\n        li= item\n',
  'views/page.hbs':
    '<!DOCTYPE html><html><head><title>{{title}}</title></head><body><h1>{{title}}</h1><ul>{{#each items}}<li>{{this}}</li>{{/each}}</ul></body></html>',
  'views/page.njk':
    '<!DOCTYPE html><html><head><title>{{ title }}</title></head><body><h1>{{ title }}</h1><ul>{% for item in items %}<li>{{ item }}</li>{% endfor %}</ul></body></html>',
};

/** Writes {@link FIXTURE_FILES} into a new temporary folder, mtimes fixed; returns its path. */
export function writeFixtures(): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'drop-in-'));
  for (const [path, text] of Object.entries(FIXTURE_FILES)) {
    const file = join(dir, path);
    mkdirSync(join(file, '..'), { recursive: true });
    writeFileSync(file, text);
    utimesSync(file, FIXED_MTIME, FIXED_MTIME);
  }
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The page the loopback upstream serves; the proxy app forwards to it. */
export const UPSTREAM_PAGE = page('Upstream', '<h1>Proxied</h1><p>From the upstream.</p>');

/**
 * A loopback upstream for http-proxy-middleware: an HTML page with fixed validators (and
 * its own 304), an htmx-style fragment, and a stylesheet.
 */
export async function startUpstream(): Promise<{ url: string; close(): Promise<void> }> {
  const etag = '"upstream-page-1"';
  const lastModified = FIXED_MTIME.toUTCString();
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/page') {
      res.setHeader('Content-Type', 'text/html; charset=utf-8');
      res.setHeader('ETag', etag);
      res.setHeader('Last-Modified', lastModified);
      res.setHeader('X-Upstream', 'yes');
      if (
        req.headers['if-none-match'] === etag ||
        req.headers['if-modified-since'] === lastModified
      ) {
        res.statusCode = 304;
        res.end();
        return;
      }
      res.setHeader('Content-Length', Buffer.byteLength(UPSTREAM_PAGE));
      res.end(UPSTREAM_PAGE);
    } else if (path === '/fragment') {
      res.setHeader('Content-Type', 'text/html; charset=utf-8');
      res.end('<li>one</li><li>two</li>');
    } else if (path === '/style.css') {
      res.setHeader('Content-Type', 'text/css');
      res.end('p { margin: 0; }\n');
    } else {
      res.statusCode = 404;
      res.setHeader('Content-Type', 'text/plain');
      res.end('upstream: not found');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
