/// <reference lib="dom" />
import express from 'express';
import { describe, expect, it } from 'vitest';
import { REDACTED } from '../../src/core/redact/redact.js';
import { captureJobFailure } from '../../src/jobs/index.js';
import { traceGeneration } from '../../src/llm/index.js';
import { posthogSnippet } from '../../src/snippet/posthog-snippet.js';
import { SECRET_FORMS } from '../fixtures/secrets/secret-corpus.js';
import { waitForPosthog } from '../helpers/browser.js';
import { useBrowserSite } from '../helpers/browser-site.js';

/** The page URL: a token of its own, and secrets inside nested URLs, encoded once and twice. */
const PAGE =
  '/reset?token=SEKRETpage1&next=%2Faccount%3Ftoken%3DSEKRETnext1%26tab%3D2' +
  '&redirect_uri=https%253A%252F%252Fapp.example%252Fcb%253Fcode%253DSEKRETnext2' +
  '&returnTo=https://app.example/#access_token=SEKRETfrag1&hmac=SEKRETfrag2';

/**
 * Built at run time: posthog-node sends the source lines around each server stack frame, and
 * this file's own lines must not look like a leaked secret.
 */
const K = ['SEK', 'RET'].join('');

/** A project key as PostHog issues them (`phc_` and 43 characters): the gate must keep it. */
const PROJECT_KEY = `phc_${'aB3dE6gH9jK2mN5pQ8sT1vW4yZ7'.repeat(2).slice(0, 43)}`;

const site = useBrowserSite({ jsSrc: 'self', apiKey: PROJECT_KEY }, (client) => {
  const app = express();
  app.use(posthogSnippet({ client }));
  app.get('/reset', (_req, res) => {
    res.type('html').send(
      '<!DOCTYPE html><html><head><title>reset</title></head><body><p>reset</p>' +
        // An uncaught error: its stack frame's file name is this page's URL, token and all.
        // Thrown once posthog-js has loaded (a loaded machine may take longer than any fixed
        // delay), and again later in case its exception capture was not yet on.
        '<script>(function wait() { var p = window.posthog;' +
        ' if (!p || !p.__loaded) return setTimeout(wait, 50);' +
        ' [500, 2000, 5000].forEach(function (ms) { setTimeout(function boom() { throw new Error("reset failed"); }, ms); });' +
        ' })();</script>' +
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
      // The page's own uncaught error: wait for it before the page closes.
      await site.capture.waitForEvents(
        1,
        (e) => e.event === '$exception' && String(e.properties.$current_url).includes('returnTo'),
        30_000,
      );
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
    // posthog-js sends the project key as each event's `token`; ingestion refuses an event
    // without it, so the gate keeps it.
    const browserEvents = site.capture.events.filter((e) => e.properties.$lib === 'web');
    expect(browserEvents.length).toBeGreaterThanOrEqual(4);
    for (const e of browserEvents) expect(e.properties.token).toBe(PROJECT_KEY);
    // Every byte of every request that reached the capture host: events, flags, config.
    const sent = JSON.stringify(site.capture.requests.map((r) => r.body));
    expect(sent).toContain('tab%3D2');
    expect(sent).not.toMatch(/SEKRET|U0VLUkVU|eyJzdWIiOiJTRUtSRVQ/);
  }, 60_000);

  it('end to end: a distinct secret planted in each source, none at the capture host, every event there', async () => {
    const client = site.client;
    client.captureException(new Error(`connect failed: postgres://app:${K}e2e1@db/prod`));
    captureJobFailure(
      new Error('job failed'),
      { job: 'sync', target: `https://hooks.slack.com/services/T1/B2/${K}e2e2` },
      { client },
    );
    await traceGeneration(
      {
        provider: 'gateway',
        model: 'm',
        client,
        baseUrl: `https://llm.example.com/v1/key/sk-${K}e2e3abc/chat`,
      },
      async () => {
        throw new Error(`401 Bearer ${K}e2e4abcdef`);
      },
    ).catch(() => {});
    // What runCli sends, with the arguments as given: the gate's command-line rules.
    client.capture({
      event: 'cli crash',
      distinctId: 'cli',
      properties: { component: 'cli', argv: ['redis-cli', '-a', `${K}e2e5`, 'ping'] },
    });
    const onPage = (e: { properties: Record<string, unknown> }) =>
      String(e.properties.$current_url).includes('page=3');
    await site.withPage(async (page) => {
      await page.goto(`${site.url}/reset?code=${K}e2e6&page=3`);
      await waitForPosthog(page);
      await page.evaluate(() => {
        (window as unknown as { posthog: { capture(e: string, p: object): void } }).posthog.capture(
          '$$heatmap',
          { $heatmap_data: { [location.href]: [{ x: 1, y: 1 }] } },
        );
      });
      // The page's own uncaught error, captured by posthog-js with the page URL on it.
      await site.capture.waitForEvents(1, (e) => e.event === '$exception' && onPage(e), 30_000);
      // The heatmap rides posthog-js's batched queue: the page stays open until it has left
      // (closed sooner, it depended on the unload flush, and once in four runs did not arrive).
      await site.capture.waitForEvents(
        1,
        (e) => e.event === '$$heatmap' && /page=3/.test(JSON.stringify(e)),
        30_000,
      );
    });
    await client.flush();
    const arrived = (filter: (e: { event: string; properties: Record<string, any> }) => boolean) =>
      site.capture.waitForEvents(1, filter, 30_000);
    await arrived((e) => e.event === '$exception' && /db\/prod/.test(JSON.stringify(e)));
    await arrived((e) => e.event === '$exception' && e.properties.job === 'sync');
    await arrived((e) => e.event === '$ai_generation' && e.properties.$ai_provider === 'gateway');
    await arrived((e) => e.event === 'cli crash');
    await arrived((e) => e.event === '$pageview' && onPage(e));
    await arrived((e) => e.event === '$$heatmap' && /page=3/.test(JSON.stringify(e)));
    const sent = JSON.stringify(site.capture.requests.map((r) => r.body));
    for (let i = 1; i <= 6; i += 1) expect(sent).not.toContain(`${K}e2e${i}`);
    expect(sent).toContain(`code=${REDACTED}&page=3`);
  }, 60_000);
});
