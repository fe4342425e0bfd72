/// <reference lib="dom" />
import express from 'express';
import { describe, expect, it } from 'vitest';
import { posthogSnippet } from '../../src/middlewares/snippet/index.js';
import { useBrowserSite } from '../helpers/browser-site.js';

const MARKER = 'data-express-posthog';
/** Every request the app saw: its fetch metadata, and whether its answer left with the snippet. */
const seen: {
  url: string;
  dest: string | undefined;
  purpose: string | undefined;
  injected?: boolean;
}[] = [];

const site = useBrowserSite({ jsSrc: 'self' }, (client) => {
  const app = express();
  app.use((req, res, next) => {
    const dest = req.headers['sec-fetch-dest'];
    const purpose = req.headers['sec-purpose'] ?? req.headers.purpose;
    const entry: (typeof seen)[number] = {
      url: req.url,
      dest: typeof dest === 'string' ? dest : undefined,
      purpose: typeof purpose === 'string' ? purpose : undefined,
    };
    seen.push(entry);
    // Registered before posthogSnippet, so this wrapper gets the body as it leaves.
    const end = res.end.bind(res) as (...args: unknown[]) => typeof res;
    res.end = ((...args: unknown[]) => {
      const [chunk] = args;
      if (typeof chunk === 'string' || Buffer.isBuffer(chunk)) {
        entry.injected = chunk.toString().includes(MARKER);
      }
      return end(...args);
    }) as typeof res.end;
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
  app.get('/links', (_req, res) => {
    res
      .type('html')
      .send(
        '<!DOCTYPE html><html><head><title>links</title><link rel="prefetch" href="/page?prefetched"></head><body><a href="/page?prefetched">next</a></body></html>',
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
    const dests = seen.filter((r) => r.url === '/page' || r.url === '/host').map((r) => r.dest);
    expect(dests).toEqual(['document', 'iframe', 'empty']);
  }, 60_000);

  it('injects a page prefetched with <link rel=prefetch>, whose answer a navigation may use', async () => {
    await site.withPage(async (page) => {
      await page.goto(`${site.url}/links`);
      await expect
        .poll(() => seen.some((r) => r.url === '/page?prefetched'), { timeout: 10_000 })
        .toBe(true);
      await page.click('a');
      await page.waitForURL('**/page?prefetched');
      expect(await page.content()).toContain(MARKER);
    });
    // What Chromium sent for the prefetch, and that its answer, which a navigation may use
    // without asking again, left with the snippet.
    const prefetch = seen.find((r) => r.url === '/page?prefetched');
    expect(prefetch).toEqual({
      url: '/page?prefetched',
      dest: 'empty',
      purpose: 'prefetch',
      injected: true,
    });
  }, 60_000);
});
