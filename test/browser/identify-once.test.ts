/// <reference lib="dom" />
import express from 'express';
import { describe, expect, it } from 'vitest';
import { posthogSnippet } from '../../src/snippet/posthog-snippet.js';
import { waitForPosthog } from '../helpers/browser.js';
import { useBrowserSite } from '../helpers/browser-site.js';

const site = useBrowserSite({ jsSrc: 'self', identifyPii: 'full' }, (client) => {
  const app = express();
  app.use(posthogSnippet({ client }));
  app.use((req, _res, next) => {
    (req as { user?: unknown }).user = { id: 'once-user', email: 'once@example.com', name: 'Once' };
    next();
  });
  app.get('/page/:n', (req, res) => {
    res
      .type('html')
      .send(
        `<!DOCTYPE html><html><head><title>page ${req.params.n}</title></head><body>x</body></html>`,
      );
  });
  return app;
});

describe('a logged-in user seen on several pages', () => {
  it('is identified once: three pages give one $identify and no repeated $set', async () => {
    await site.withPage(async (page) => {
      for (const n of [1, 2, 3]) {
        await page.goto(`${site.url}/page/${n}`);
        await waitForPosthog(page);
        // Let the page's events leave before the next navigation.
        await page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 300)));
      }
    });
    await site.capture.waitForEvents(
      3,
      (e) => e.event === '$pageview' && e.properties.distinct_id === 'once-user',
      20_000,
    );
    const mine = site.capture.events.filter((e) => e.properties.distinct_id === 'once-user');
    expect(mine.filter((e) => e.event === '$identify')).toHaveLength(1);
    expect(mine.filter((e) => e.event === '$set')).toHaveLength(0);
    const pageviews = mine.filter((e) => e.event === '$pageview');
    expect(pageviews).toHaveLength(3);
    for (const pageview of pageviews)
      expect(pageview.properties.user_email).toBe('once@example.com');
  }, 60_000);
});
