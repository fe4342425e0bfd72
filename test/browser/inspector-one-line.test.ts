/// <reference lib="dom" />
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ExistingApp,
  startExistingApp,
  waitForInspected,
} from '../apps/inspector/existing-app.js';
import { waitForPosthog } from '../helpers/browser.js';

let app: ExistingApp;
let browser: Browser;

beforeAll(async () => {
  // An existing app whose only addition is app.use(posthogInspector()); no variables set.
  app = await startExistingApp();
  // Playwright's defaults, as an end-to-end test launches it: --enable-automation,
  // navigator.webdriver true, a HeadlessChrome user agent — what posthog-js calls a bot.
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

describe('app.use(posthogInspector()) seen from an automated Chromium', { timeout: 60_000 }, () => {
  it('lists a $pageview and a replay of the automated browser, and the server $exception', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    expect(await page.evaluate(() => navigator.webdriver)).toBe(true);
    expect(await page.evaluate(() => navigator.userAgent)).toContain('HeadlessChrome');
    await page.goto(`${app.url}/`);
    await waitForPosthog(page);
    const sessionId: string = await page.evaluate(() => (window as any).posthog.get_session_id());
    await page.waitForFunction(() => (window as any).posthog.sessionRecordingStarted?.() === true);
    await page.type('#card', '4111');

    const pageview = await waitForInspected(app.url, '$pageview');
    expect(pageview).toMatchObject({ source: 'browser' });
    expect(pageview.properties.$current_url).toBe(`${app.url}/`);
    await waitForInspected(app.url, '$snapshot', 20_000);

    expect((await page.goto(`${app.url}/checkout`))?.status()).toBe(500);
    const exception = await waitForInspected(app.url, '$exception');
    expect(exception).toMatchObject({ source: 'server' });

    // The inspector's page lists the session with its replay, ready to play.
    const viewer = await browser.newPage();
    await viewer.goto(`${app.url}/_inspector/`);
    await viewer.waitForSelector('#live.on');
    const play = viewer.locator(`section.group[data-session="${sessionId}"] button.play`);
    await play.waitFor({ timeout: 10_000 });
    expect(await play.textContent()).toMatch(/Play replay \(\d+ snapshots?\)/);
    await context.close();
    await viewer.close();
  });
});

describe('the one-line inspector and pages of other sites, in Chromium', {
  timeout: 60_000,
}, () => {
  it('stores nothing a page of another site posts to it: a no-cors text/plain POST and a JSON batch that needs a preflight', async () => {
    const { createServer } = await import('node:http');
    // Another site: served on localhost, while the app is at 127.0.0.1 (another site to the browser).
    const attacker = createServer((_req, res) => {
      res.setHeader('Content-Type', 'text/html');
      res.end('<!doctype html><title>elsewhere</title><p>elsewhere</p>');
    });
    await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
    const port = (attacker.address() as { port: number }).port;
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(`http://localhost:${port}/`);
      const target = `${app.url}/_inspector`;
      const outcome = await page.evaluate(async (inspector) => {
        const event = { event: 'forged from elsewhere', properties: { distinct_id: 'x' } };
        const simple = await fetch(`${inspector}/e/`, {
          method: 'POST',
          mode: 'no-cors',
          headers: { 'content-type': 'text/plain' },
          body: JSON.stringify(event),
        }).then(
          () => 'sent',
          (error) => String(error),
        );
        const preflighted = await fetch(`${inspector}/batch/`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ batch: [event] }),
        }).then(
          (response) => `answered ${response.status}`,
          (error) => `refused: ${String(error)}`,
        );
        return { simple, preflighted };
      }, target);
      // The simple POST left the page (no-cors); the JSON batch was stopped at its preflight.
      expect(outcome.simple).toBe('sent');
      expect(outcome.preflighted).toMatch(/^refused: TypeError/);
      await new Promise((resolve) => setTimeout(resolve, 500));
      const listed = await (await fetch(`${app.url}/_inspector/api/events`)).json();
      expect(listed.events.map((e: { event: string }) => e.event)).not.toContain(
        'forged from elsewhere',
      );
    } finally {
      await context.close();
      attacker.close();
    }
  });
});
