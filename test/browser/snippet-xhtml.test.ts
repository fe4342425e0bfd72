/// <reference lib="dom" />
import express from 'express';
import { describe, expect, it } from 'vitest';
import { posthogSnippet } from '../../src/snippet/posthog-snippet.js';
import { waitForPosthog } from '../helpers/browser.js';
import { CONSENT_DELIVERIES, useBrowserSite } from '../helpers/browser-site.js';

const XHTML = 'application/xhtml+xml; charset=utf-8';
const PAGES: Record<string, string> = {
  // `&&` and `<` in a page script too: the page itself is well-formed XML.
  'with-head':
    '<?xml version="1.0" encoding="utf-8"?><html xmlns="http://www.w3.org/1999/xhtml"><head><title>with head</title></head><body><p>x</p></body></html>',
  // No <head>: the snippet goes right after <body>, and document.head is null.
  'no-head':
    '<?xml version="1.0" encoding="utf-8"?><html xmlns="http://www.w3.org/1999/xhtml"><body><p>y</p></body></html>',
};

// Once per consent mode: mode ask's snippet (its consent code) must parse as XML too, and its
// pageview is counted cookieless (docs/observability.md, "Consent").
describe.each(CONSENT_DELIVERIES)(
  'in consent mode %s, with the %s delivery',
  (consent, delivery) => {
    const site = useBrowserSite({ jsSrc: 'self', environment: 'xhtml-test', consent }, (client) => {
      const app = express();
      app.use(posthogSnippet({ client, delivery, nonce: () => 'n"<&>' }));
      app.get('/:page', (req, res) => {
        const page = PAGES[req.params.page];
        if (page === undefined) res.status(404).end();
        else res.type(XHTML).send(page);
      });
      return app;
    });

    describe('the snippet in an XHTML page', () => {
      it.each(Object.keys(PAGES))(
        'parses as XML, loads posthog-js and sends a pageview (%s)',
        async (name) => {
          await site.withPage(async (page) => {
            const response = await page.goto(`${site.url}/${name}`);
            expect(response?.headers()['content-type']).toBe(XHTML);
            const html = await response?.text();
            expect(html).toContain('data-express-posthog');
            expect(await page.locator('parsererror').count()).toBe(0);
            await waitForPosthog(page);
          });
          const [pageview] = await site.capture.waitForEvents(
            1,
            (e) =>
              e.event === '$pageview' &&
              String(e.properties.$current_url ?? '').endsWith(`/${name}`),
            20_000,
          );
          expect(pageview?.properties.environment).toBe('xhtml-test');
          // The named edit of mode ask: without the visitor's yes, the pageview is cookieless.
          expect(pageview?.properties.$cookieless_mode === true).toBe(consent === 'ask');
        },
        60_000,
      );
    });
  },
);
