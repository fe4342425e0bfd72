import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/apps/reference/index.js';
import { waitForPosthog } from '../helpers/browser.js';
import { useBrowserSite } from '../helpers/browser-site.js';
import type { CapturedEvent } from '../helpers/capture-server.js';

const site = useBrowserSite(
  { jsSrc: 'self', identifyPii: 'email', environment: 'e2e', release: 'v1.2.3', debug: true },
  (client) => createApp({ client }),
);

const messageOf = (e: CapturedEvent) => e.properties.$exception_list?.[0]?.value;

describe('the reference app in real Chromium', () => {
  it('sends pageviews, identify, browser and server exceptions, linked by session', async () => {
    await site.withPage(async (page) => {
      const loaded = () => waitForPosthog(page);

      await page.goto(`${site.url}/login`);
      await page.fill('input[name=name]', 'Ada Lovelace');
      await page.fill('input[name=email]', 'ada@example.com');
      await Promise.all([page.waitForURL(`${site.url}/`), page.click('button[type=submit]')]);
      await loaded();
      expect(await page.textContent('.who')).toContain('Ada Lovelace');

      const [pageview] = await site.capture.waitForEvents(
        1,
        (e) => e.event === '$pageview' && e.distinct_id === 'ada@example.com',
        15_000,
      );
      expect(pageview?.properties).toMatchObject({
        environment: 'e2e',
        release: 'v1.2.3',
        user_id: 'ada@example.com',
        user_email: 'ada@example.com',
      });
      expect(pageview?.properties).not.toHaveProperty('user_name');
      await site.capture.waitForEvents(
        1,
        (e) => e.event === '$identify' && e.distinct_id === 'ada@example.com',
        15_000,
      );

      await page.goto(`${site.url}/errors`);
      await loaded();
      const sessionId = await page.evaluate(() => (window as any).posthog.get_session_id());
      await page.click('#browser-error');
      await page.click('#browser-rejection');
      await page.click('#server-error');
      await page.waitForFunction(() =>
        document.getElementById('result')?.textContent?.includes('500'),
      );
      await site.client.flush(2_000);

      const [serverError] = await site.capture.waitForEvents(
        1,
        (e) => e.event === '$exception' && messageOf(e) === 'demo server error',
        15_000,
      );
      expect(serverError?.properties.$session_id).toBe(sessionId);
      expect(serverError?.properties).toMatchObject({
        environment: 'e2e',
        release: 'v1.2.3',
        user_id: 'ada@example.com',
        path: '/api/debug/throw',
        status_code: 500,
      });
      expect(serverError?.properties.$exception_list[0].type).toBe('ValueError');

      await site.capture.waitForEvents(
        1,
        (e) => e.event === '$exception' && messageOf(e) === 'demo browser error',
        15_000,
      );
      await site.capture.waitForEvents(
        1,
        (e) => e.event === '$exception' && messageOf(e) === 'demo unhandled rejection',
        15_000,
      );
      // Leave the page (flushes posthog-js), wait a little, and count: each arrived exactly once.
      await page.goto(`${site.url}/standalone`);
      await loaded();
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      const count = (message: string) =>
        site.capture.events.filter((e) => e.event === '$exception' && messageOf(e) === message)
          .length;
      expect(count('demo browser error')).toBe(1);
      expect(count('demo unhandled rejection')).toBe(1);
      expect(count('demo server error')).toBe(1);
    });
  }, 90_000);
});
