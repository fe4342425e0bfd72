/// <reference lib="dom" />
import express from 'express';
import { describe, expect, it } from 'vitest';
import { REDACTED } from '../../src/core/redact/redact.js';
import { posthogSnippet } from '../../src/snippet/posthog-snippet.js';
import { SECRET_FORMS } from '../fixtures/secrets/secret-corpus.js';
import { waitForPosthog } from '../helpers/browser.js';
import { useBrowserSite } from '../helpers/browser-site.js';

/** The page URL: a token of its own, and secrets inside nested URLs, encoded once and twice. */
const PAGE =
  '/reset?token=SEKRETpage1&next=%2Faccount%3Ftoken%3DSEKRETnext1%26tab%3D2' +
  '&redirect_uri=https%253A%252F%252Fapp.example%252Fcb%253Fcode%253DSEKRETnext2' +
  '&returnTo=https://app.example/#access_token=SEKRETfrag1&hmac=SEKRETfrag2';

const site = useBrowserSite({ jsSrc: 'self' }, (client) => {
  const app = express();
  app.use(posthogSnippet({ client }));
  app.get('/reset', (_req, res) => {
    res.type('html').send(
      '<!DOCTYPE html><html><head><title>reset</title></head><body><p>reset</p>' +
        // An uncaught error: its stack frame's file name is this page's URL, token and all.
        '<script>setTimeout(function boom() { throw new Error("reset failed"); }, 300);</script>' +
        '</body></html>',
    );
  });
  return app;
});

describe('the redaction gate in the browser, with the real posthog-js', () => {
  it('keeps secrets of the page URL out of exception frames, heatmaps, web vitals and every request', async () => {
    const texts = SECRET_FORMS.map((form) => form.text);
    await site.withPage(async (page) => {
      await page.goto(`${site.url}${PAGE}`);
      await waitForPosthog(page);
      await page.evaluate((forms) => {
        const ph = (window as unknown as { posthog: { capture(e: string, p: object): void } })
          .posthog;
        // What posthog-js's heatmaps and web-vitals extensions send: the page URL as a key and as a value.
        ph.capture('$$heatmap', {
          $heatmap_data: { [location.href]: [{ x: 1, y: 2, target_fixed: false, type: 'click' }] },
        });
        ph.capture('$web_vitals', {
          $web_vitals_LCP_event: { name: 'LCP', value: 1200, navigationURL: location.href },
        });
        // Every secret form of the corpus, as an app might put it on an event.
        ph.capture('corpus', { forms });
      }, texts);
    });
    const events = await site.capture.waitForEvents(
      4,
      (e) => ['$exception', '$$heatmap', '$web_vitals', 'corpus'].includes(e.event),
      30_000,
    );
    expect(new Set(events.map((e) => e.event)).size).toBe(4);
    const exception = events.find((e) => e.event === '$exception');
    const frames = exception?.properties.$exception_list[0].stacktrace.frames ?? [];
    expect(
      frames.some((f: { filename?: string }) => f.filename?.includes(`token=${REDACTED}`)),
    ).toBe(true);
    const heatmap = events.find((e) => e.event === '$$heatmap');
    expect(Object.keys(heatmap?.properties.$heatmap_data ?? {})[0]).toContain(`token=${REDACTED}`);
    const corpus = events.find((e) => e.event === 'corpus');
    expect(corpus?.properties.forms).toHaveLength(texts.length);
    // Every byte of every request that reached the capture host: events, flags, config.
    const sent = JSON.stringify(site.capture.requests.map((r) => r.body));
    expect(sent).toContain('tab%3D2');
    expect(sent).not.toMatch(/SEKRET|U0VLUkVU|eyJzdWIiOiJTRUtSRVQ/);
  }, 60_000);
});
