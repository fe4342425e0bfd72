/// <reference lib="dom" />
import express from 'express';
import { describe, expect, it } from 'vitest';
import { posthogSnippet } from '../../src/middlewares/snippet/index.js';
import { useBrowserSite } from '../helpers/browser-site.js';

const MARKER = 'data-express-posthog';
const seen: { path: string; dest: string | undefined }[] = [];

const site = useBrowserSite({ jsSrc: 'self' }, (client) => {
  const app = express();
  app.use((req, _res, next) => {
    const dest = req.headers['sec-fetch-dest'];
    seen.push({ path: req.path, dest: typeof dest === 'string' ? dest : undefined });
    next();
  });
  app.use(posthogSnippet({ client }));
  app.get('/page', (_req, res) => {
    res
      .type('html')
      .send('<!DOCTYPE html><html><head><title>p</title></head><body>p</body></html>');
  });
  app.get('/host', (_req, res) => {
    res
      .type('html')
      .send(
        '<!DOCTYPE html><html><head><title>host</title></head><body><iframe id="f" src="/page"></iframe></body></html>',
      );
  });
  return app;
});

describe('which browser requests get the snippet', () => {
  it("injects a navigation and a frame, and leaves the page's own fetch() of the same page alone", async () => {
    await site.withPage(async (page) => {
      await page.goto(`${site.url}/host`);
      expect(await page.content()).toContain(MARKER);
      const frame = page.frames().find((f) => f.url().endsWith('/page'));
      await frame?.waitForLoadState();
      expect(await frame?.content()).toContain(MARKER);
      const fetched = await page.evaluate(async () => (await fetch('/page')).text());
      expect(fetched).not.toContain(MARKER);
      expect(fetched).toContain('<title>p</title>');
    });
    // What Chromium sent, as the middleware read it.
    const dests = seen.filter((r) => r.path === '/page' || r.path === '/host').map((r) => r.dest);
    expect(dests).toEqual(['document', 'iframe', 'empty']);
  }, 60_000);
});
