/// <reference lib="dom" />
import express from 'express';
import { describe, expect, it } from 'vitest';
import { posthogErrorHandler } from '../../src/error-handler/index.js';
import { posthogSnippet } from '../../src/snippet/posthog-snippet.js';
import { posthogUser } from '../../src/user/index.js';
import { waitForPosthog } from '../helpers/browser.js';
import { useBrowserSite } from '../helpers/browser-site.js';
import { TEST_PROJECT_KEY } from '../helpers/client.js';

const PAGE = '<!DOCTYPE html><html><head><title>p</title></head><body><p>page</p></body></html>';

/** Reads the user from a session store the way real async auth does: after an await. */
async function lookUpAccount(cookie: string | undefined): Promise<unknown> {
  await new Promise((resolve) => setTimeout(resolve, 5));
  return /(?:^|;\s*)login=ada(?:;|$)/.test(cookie ?? '')
    ? { id: 'u-async-ada', email: 'ada@example.com' }
    : undefined;
}

const site = useBrowserSite({ jsSrc: 'self' }, (client) => {
  const app = express();
  app.use(posthogUser({ client, getUser: (req) => lookUpAccount(req.headers.cookie) }));
  app.use(posthogSnippet({ client }));
  app.get('/page', (_req, res) => {
    res.type('html').send(PAGE);
  });
  app.get('/boom', function boomDuringNavigation() {
    throw new Error('thrown during a page navigation');
  });
  app.use(posthogErrorHandler({ client }));
  return app;
});

type PosthogGlobal = { posthog: { get_distinct_id(): string; get_session_id(): string } };

describe('the browser and the server agree on who and which session', () => {
  it('identifies in the browser the user an async getUser resolved', async () => {
    await site.withPage(async (page) => {
      await page.context().addCookies([{ name: 'login', value: 'ada', url: site.url }]);
      await page.goto(`${site.url}/page`);
      await waitForPosthog(page);
      const distinctId = await page.evaluate(() =>
        (globalThis as unknown as PosthogGlobal).posthog.get_distinct_id(),
      );
      expect(distinctId).toBe('u-async-ada');
    });
  });

  it("links an exception thrown during a full page navigation to that page's session", async () => {
    await site.withPage(async (page) => {
      await page.goto(`${site.url}/page`);
      await waitForPosthog(page);
      const sessionId = await page.evaluate(() =>
        (globalThis as unknown as PosthogGlobal).posthog.get_session_id(),
      );
      // posthog-js keeps its state in the ph_<key>_posthog cookie, which a navigation sends.
      await expect
        .poll(async () => (await page.context().cookies()).map((c) => c.name))
        .toContain(`ph_${TEST_PROJECT_KEY}_posthog`);
      const response = await page.goto(`${site.url}/boom`);
      expect(response?.status()).toBe(500);
      await site.client.flush();
      const [exception] = await site.capture.waitForEvents(
        1,
        (e) =>
          e.event === '$exception' &&
          e.properties.$exception_list?.[0]?.value === 'thrown during a page navigation',
      );
      expect(exception?.properties.$session_id).toBe(sessionId);
      expect(exception?.properties.$current_url).toBe(`${site.url}/boom`);
    });
  });
});
