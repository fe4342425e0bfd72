/// <reference lib="dom" />
import express from 'express';
import { describe, expect, it } from 'vitest';
import { posthogSnippet } from '../../src/snippet/posthog-snippet.js';
import { useBrowserSite } from '../helpers/browser-site.js';

const MARKER = 'data-express-posthog';

// Once per consent mode: in `ask`, which requests get the snippet must not change
// (docs/observability.md, "Consent").
describe.each(['granted', 'ask'] as const)('in consent mode %s', (consent) => {
  /** Every request the app saw: its fetch metadata, and whether its answer left with the snippet. */
  const seen: {
    url: string;
    dest: string | undefined;
    purpose: string | undefined;
    injected?: boolean;
  }[] = [];

  const site = useBrowserSite({ jsSrc: 'self', consent }, (client) => {
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
    it("injects a navigation, a frame, the page's own fetch() and a <link rel=prefetch> alike", async () => {
      await site.withPage(async (page) => {
        await page.goto(`${site.url}/host`);
        expect(await page.content()).toContain(MARKER);
        const frame = page.frames().find((f) => f.url().endsWith('/page'));
        await frame?.waitForLoadState();
        expect(await frame?.content()).toContain(MARKER);
        const fetched = await page.evaluate(async () => (await fetch('/page?fetched')).text());
        expect(fetched).toContain(MARKER);
        await page.goto(`${site.url}/links`);
        await expect
          .poll(() => seen.some((r) => r.url === '/page?prefetched'), { timeout: 10_000 })
          .toBe(true);
        await page.click('a');
        await page.waitForURL('**/page?prefetched');
        expect(await page.content()).toContain(MARKER);
      });
      // What Chromium sent, and that every answer left with the snippet: a cache or a service
      // worker may keep any of them and show it for a later navigation.
      const byUrl = (url: string) => seen.find((r) => r.url === url);
      expect(byUrl('/host')).toMatchObject({ dest: 'document', injected: true });
      expect(byUrl('/page')).toMatchObject({ dest: 'iframe', injected: true });
      expect(byUrl('/page?fetched')).toMatchObject({ dest: 'empty', injected: true });
      expect(byUrl('/page?prefetched')).toMatchObject({
        dest: 'empty',
        purpose: 'prefetch',
        injected: true,
      });
    }, 60_000);
  });
});
