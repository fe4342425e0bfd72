/// <reference lib="dom" />
import compression from 'compression';
import express from 'express';
import helmet from 'helmet';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { posthogSnippet } from '../../src/snippet/posthog-snippet.js';
import { waitForPosthog } from '../helpers/browser.js';
import { useBrowserSite } from '../helpers/browser-site.js';

const PAGE = `<!DOCTYPE html><html><head><title>shop</title></head><body>
<label>Card <input id="card" name="card"></label>
<button id="boom">Pay</button>
<script src="/app.js"></script>
</body></html>`;
// The page's own script, first-party as helmet's default policy requires.
const APP_JS = `document.getElementById('boom').addEventListener('click', function () {
  setTimeout(function () { throw new Error('checkout failed'); }, 0);
});`;

function shop(snippet: express.RequestHandler, csp: Parameters<typeof helmet>[0] = {}) {
  const app = express();
  app.use(helmet(csp));
  app.use(compression());
  app.use(snippet);
  app.get('/app.js', (_req, res) => res.type('js').send(APP_JS));
  app.get('/shop', (_req, res) => res.type('html').send(PAGE));
  return app;
}

/** Records CSP violations and every URL the page asks for. */
async function watch(page: Page): Promise<{ urls: string[] }> {
  const urls: string[] = [];
  page.on('request', (request) => urls.push(request.url()));
  await page.addInitScript(() => {
    (window as unknown as { __violations: string[] }).__violations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      (window as unknown as { __violations: string[] }).__violations.push(
        `${e.violatedDirective} ${e.blockedURI}`,
      );
    });
  });
  return { urls };
}

const violations = (page: Page) =>
  page.evaluate(() => (window as unknown as { __violations: string[] }).__violations);

// Once per consent mode: in `ask`, the visitor's page is the same under helmet and first-party
// delivery; the named difference is what runs before the visitor accepts (a cookieless
// pageview, no replay), and after `opt_in_capturing()` it all flows as in `granted`
// (docs/observability.md, "Consent").
describe.each(['granted', 'ask'] as const)('in consent mode %s', (consent) => {
  describe('under helmet() defaults with first-party delivery', () => {
    const site = useBrowserSite(
      { environment: 'first-party', consent },
      (client) => shop(posthogSnippet({ client, firstParty: true })),
      { replay: true },
    );

    it('sends pageviews, browser exceptions and replay through the app’s origin, with no CSP violation', async () => {
      await site.withPage(async (page) => {
        const seen = await watch(page);
        await page.goto(`${site.url}/shop`);
        await waitForPosthog(page);
        if (consent === 'ask') {
          // Before the visitor's yes: the pageview is counted cookieless, and no replay runs.
          const [pageview] = await site.capture.waitForEvents(
            1,
            (e) => e.event === '$pageview',
            20_000,
          );
          expect(pageview?.properties.$cookieless_mode).toBe(true);
          expect(
            await page.evaluate(() => Boolean((window as any).posthog.sessionRecordingStarted?.())),
          ).toBe(false);
          await page.evaluate(() => (window as any).posthog.opt_in_capturing());
        }
        await page.fill('#card', '4242 4242 4242 4242');
        // posthog-js arms exception autocapture once its remote config is in: click until it has.
        for (let attempt = 0; attempt < 8; attempt++) {
          await page.click('#boom');
          const caught = await site.capture
            .waitForEvents(1, (e) => e.event === '$exception', 2_500)
            .then(
              () => true,
              () => false,
            );
          if (caught) break;
        }
        await site.capture.waitForEvents(1, (e) => e.event === '$snapshot', 20_000);
        await page.goto('about:blank');
        expect(
          seen.urls.filter((url) => !url.startsWith(site.url) && url !== 'about:blank'),
        ).toEqual([]);
      });
      await site.capture.waitForEvents(1, (e) => e.event === '$pageview', 20_000);
      await site.capture.waitForEvents(1, (e) => e.event === '$exception', 20_000);
      await site.capture.waitForEvents(1, (e) => e.event === '$snapshot', 20_000);
      // Everything came through the app's proxy, which says so in X-Forwarded-For.
      const ingested = site.capture.requests.filter((r) => r.method === 'POST');
      expect(ingested.length).toBeGreaterThan(0);
      for (const request of ingested) expect(request.headers['x-forwarded-for']).toBe('127.0.0.1');
      expect(JSON.stringify(site.capture.requests.map((r) => r.body))).not.toContain('4242 4242');
      expect(
        site.logger.lines.filter((l) => l.message.includes('Content-Security-Policy')),
      ).toEqual([]);
    }, 60_000);

    it('reports no CSP violation in the page', async () => {
      await site.withPage(async (page) => {
        await watch(page);
        await page.goto(`${site.url}/shop`);
        await waitForPosthog(page);
        await page.waitForTimeout(500);
        expect(await violations(page)).toEqual([]);
      });
    }, 60_000);
  });
});

describe('under helmet() defaults with posthog-js from the PostHog host', () => {
  let captureOrigin = '';
  const site = useBrowserSite({ environment: 'cdn' }, (client, capture) => {
    captureOrigin = new URL(capture.url).origin;
    const app = express();
    app.use('/defaults', shop(posthogSnippet({ client })));
    app.use(
      '/fixed',
      shop(posthogSnippet({ client }), {
        contentSecurityPolicy: {
          directives: {
            scriptSrc: ["'self'", captureOrigin],
            connectSrc: ["'self'", captureOrigin],
          },
        },
      }),
    );
    return app;
  });

  it('warns once, naming script-src and connect-src with the exact sources; with them added, events arrive', async () => {
    await site.withPage(async (page) => {
      await watch(page);
      await page.goto(`${site.url}/defaults/shop`);
      await page.waitForTimeout(1000);
      expect((await violations(page)).join('\n')).toContain(captureOrigin);
      await page.goto(`${site.url}/defaults/shop`);
    });
    const warnings = site.logger.lines.filter((l) => l.message.includes('Content-Security-Policy'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.message).toContain(`add ${captureOrigin} to script-src`);
    expect(warnings[0]?.message).toContain(
      `set connect-src to default-src's sources and ${captureOrigin}`,
    );
    expect(warnings[0]?.message).toContain('POSTHOG_FIRST_PARTY=true');

    await site.withPage(async (page) => {
      await watch(page);
      await page.goto(`${site.url}/fixed/shop`);
      await waitForPosthog(page);
      await page.waitForTimeout(500);
      expect(await violations(page)).toEqual([]);
    });
    await site.capture.waitForEvents(
      1,
      (e) => e.event === '$pageview' && String(e.properties.$current_url).includes('/fixed/'),
      20_000,
    );
    expect(
      site.logger.lines.filter((l) => l.message.includes('Content-Security-Policy')),
    ).toHaveLength(1);
  }, 60_000);
});
