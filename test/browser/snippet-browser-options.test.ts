/// <reference lib="dom" />
import express from 'express';
import { describe, expect, it } from 'vitest';
import { posthogSnippet } from '../../src/snippet/posthog-snippet.js';
import { waitForPosthog } from '../helpers/browser.js';
import { useBrowserSite } from '../helpers/browser-site.js';

const site = useBrowserSite({ jsSrc: 'self' }, (client) => {
  const app = express();
  app.use(
    posthogSnippet({
      client,
      browser: {
        autocapture: true,
        capture_dead_clicks: true,
        session_recording: { recordCanvas: true },
      },
    }),
  );
  app.get('/', (_req, res) => {
    res
      .type('html')
      .send(
        '<!DOCTYPE html><html><head><title>options</title></head><body><button id="buy">Buy</button></body></html>',
      );
  });
  return app;
});

type Config = Record<string, unknown> & { session_recording?: Record<string, unknown> };

describe('posthogSnippet({ browser }) in Chromium', () => {
  it("reaches posthog.config, merged over the snippet's defaults, and takes effect (dead clicks reported)", async () => {
    await site.withPage(async (page) => {
      await page.goto(site.url);
      await waitForPosthog(page);
      const config = await page.evaluate(
        () => (globalThis as unknown as { posthog: { config: Config } }).posthog.config,
      );
      expect(config.autocapture).toBe(true);
      expect(config.capture_dead_clicks).toBe(true);
      expect(config.api_host).toBe(site.capture.url);
      expect(config.session_recording).toMatchObject({ recordCanvas: true, maskAllInputs: true });
      // capture_dead_clicks: true takes effect: a click that changes nothing is reported.
      await page.click('#buy');
      const [dead] = await site.capture.waitForEvents(1, (e) => e.event === '$dead_click', 20_000);
      expect(dead?.properties.$current_url).toBe(`${site.url}/`);
    });
  }, 60_000);
});
