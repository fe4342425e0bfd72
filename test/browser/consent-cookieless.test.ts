/// <reference lib="dom" />
import express from 'express';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { posthogErrorHandler } from '../../src/error-handler/index.js';
import { posthogSnippet } from '../../src/snippet/posthog-snippet.js';
import { posthogUser } from '../../src/user/index.js';
import { waitForPosthog } from '../helpers/browser.js';
import { useBrowserSite } from '../helpers/browser-site.js';

const USER = { id: 'u-cookieless-bo', email: 'bo.cookieless@example.com' };

const site = useBrowserSite(
  { jsSrc: 'self', consent: 'cookieless', identifyPii: 'full' },
  (client) => {
    const app = express();
    app.use(posthogSnippet({ client }));
    app.use(posthogUser({ client, getUser: () => USER }));
    app.get('/page/:n', (req, res) => {
      res
        .type('html')
        .send(
          `<!DOCTYPE html><html><head><title>${req.params.n}</title></head><body>${req.params.n}</body></html>`,
        );
    });
    app.get('/boom', function boomInCookielessTest() {
      throw new Error('cookieless boom');
    });
    app.use(posthogErrorHandler({ client }));
    return app;
  },
  { replay: true },
);

async function storedByPosthog(p: Page): Promise<string[]> {
  const cookies = (await p.context().cookies()).map((c) => `cookie ${c.name}`);
  const storage = await p.evaluate(() =>
    [localStorage, sessionStorage].flatMap((store) =>
      Array.from({ length: store.length }, (_, i) => `storage ${store.key(i)}`),
    ),
  );
  return [...cookies, ...storage].filter((entry) => /ph_|posthog/i.test(entry));
}

describe("consent 'cookieless', in Chromium with the real posthog-js and posthog-node", () => {
  it('stores nothing, identifies no one and records no replay on every page, even after opt_in_capturing()', async () => {
    await site.withPage(async (p) => {
      for (const n of ['1', '2', '3']) {
        await p.goto(`${site.url}/page/${n}`);
        await waitForPosthog(p);
        // Accepting changes nothing in this mode.
        await p.evaluate(() =>
          (
            globalThis as unknown as { posthog: { opt_in_capturing(): void } }
          ).posthog.opt_in_capturing(),
        );
        for (const x of [20, 60]) await p.mouse.click(x, 20);
        await p.waitForTimeout(300);
        expect(await storedByPosthog(p)).toEqual([]);
      }
      const pageviews = await site.capture.waitForEvents(
        3,
        (e) => e.event === '$pageview' && e.properties.$cookieless_mode === true,
        20_000,
      );
      expect(pageviews.length).toBeGreaterThanOrEqual(3);
      expect((await p.goto(`${site.url}/boom`))?.status()).toBe(500);
      await site.client.flush();
      const [exception] = await site.capture.waitForEvents(
        1,
        (e) =>
          e.event === '$exception' &&
          e.properties.$exception_list?.[0]?.value === 'cookieless boom',
      );
      expect(exception?.properties.$process_person_profile).toBe(false);
      for (const key of ['user_id', 'user_email', '$ip', '$session_id']) {
        expect(exception?.properties, key).not.toHaveProperty(key);
      }
    });
    const events = site.capture.events.map((e) => e.event);
    expect(events).not.toContain('$identify');
    expect(events).not.toContain('$snapshot');
    expect(events).not.toContain('$opt_in');
    const wire = JSON.stringify(site.capture.requests.map((r) => r.body));
    expect(wire).not.toContain(USER.id);
    expect(wire).not.toContain(USER.email);
  }, 90_000);
});
