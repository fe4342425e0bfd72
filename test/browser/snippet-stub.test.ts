/// <reference lib="dom" />
import express from 'express';
import { describe, expect, it } from 'vitest';
import { posthogSnippet } from '../../src/snippet/posthog-snippet.js';
import { waitForPosthog } from '../helpers/browser.js';
import { CONSENT_DELIVERIES, useBrowserSite } from '../helpers/browser-site.js';

// Once per consent mode: in `ask`, a visitor who has not chosen gets the same stub, and the
// early calls arrive all the same, counted cookieless (docs/observability.md, "Consent").
describe.each(CONSENT_DELIVERIES)(
  'in consent mode %s, with the %s delivery',
  (consent, delivery) => {
    const site = useBrowserSite({ jsSrc: 'self', environment: 'stub-test', consent }, (client) => {
      const app = express();
      // Hold posthog-js back, so the page's own calls certainly come before it loads.
      app.use((req, _res, next) => {
        if (req.url.startsWith('/_posthog/')) setTimeout(next, 400);
        else next();
      });
      app.use(posthogSnippet({ client, delivery }));
      app.get('/page', (_req, res) => {
        res.type('html').send(
          `<!DOCTYPE html><html><head><title>early</title></head><body>
  <script>
  window.earlyCall = { loaded: !!posthog.__loaded };
  posthog.register({ plan: 'team' });
  posthog.capture('early_click', { button: 'buy' });
  </script>
  </body></html>`,
        );
      });
      return app;
    });

    describe('the snippet stub', () => {
      it('queues calls the page makes before posthog-js loads, and they arrive once it has', async () => {
        // The event is waited for while the page is open: closed at once after posthog-js loads,
        // a loaded machine could close it before posthog-js sent its queue.
        const [event] = await site.withPage(async (page) => {
          await page.goto(`${site.url}/page`);
          expect(await page.evaluate(() => (window as any).earlyCall)).toEqual({ loaded: false });
          await waitForPosthog(page);
          return site.capture.waitForEvents(1, (e) => e.event === 'early_click', 20_000);
        });
        expect(event?.properties).toMatchObject({
          button: 'buy',
          plan: 'team',
          environment: 'stub-test',
        });
        // The named edit of mode ask: without the visitor's yes, the event is cookieless.
        expect(event?.properties.$cookieless_mode === true).toBe(consent === 'ask');
        const clicks = site.capture.events.filter((e) => e.event === 'early_click');
        expect(clicks).toHaveLength(1);
      }, 60_000);
    });
  },
);
