/// <reference lib="dom" />
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type StartedReferenceApp, startReferenceApp } from '../../src/app/index.js';
import type { InspectedEvent } from '../../src/inspector/index.js';
import { DESKTOP_CHROME_UA, launchChromium } from '../helpers/browser.js';

let started: StartedReferenceApp;
let browser: Browser;

beforeAll(async () => {
  // `npm start` with no POSTHOG_API_KEY: the same function, the same defaults.
  started = await startReferenceApp({ env: {}, port: 0, signals: [] });
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await started?.stop();
});

/** Polls the inspector's store until `count` events match, or fails with what did arrive. */
async function waitForStored(
  filter: (event: InspectedEvent) => boolean,
  count = 1,
  timeoutMs = 15_000,
): Promise<InspectedEvent[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const events = started.inspector?.store.list() ?? [];
    const matching = events.filter(filter);
    if (matching.length >= count) return matching;
    if (Date.now() > deadline) {
      throw new Error(
        `waited ${timeoutMs} ms for ${count} event(s); stored: ${JSON.stringify(events.map((e) => e.event))}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const messageOf = (e: InspectedEvent) =>
  (e.properties.$exception_list as { value?: string }[] | undefined)?.[0]?.value;

/** Every rrweb event of the stored `$snapshot` events of one session. */
function rrwebEvents(sessionId: string): { type: number; data?: Record<string, unknown> }[] {
  return (started.inspector?.store.list() ?? [])
    .filter((e) => e.event === '$snapshot' && e.sessionId === sessionId)
    .flatMap((e) => (e.properties.$snapshot_data as { type: number }[] | undefined) ?? []);
}

const TYPED_PASSWORD = 'hunter2-Pa55word-never-stored';
const TYPED_TEXT = 'typed-card-4111-never-stored';

describe('npm start without a key: the local inspector in real Chromium', () => {
  it('runs in inspector mode with posthog-js first-party and the debug route on', () => {
    expect(started.mode).toBe('inspector');
    expect(started.inspectorUrl).toBe(`${started.url}/_inspector/`);
    expect(started.client.config.host).toBe(`${started.url}/_inspector`);
    expect(started.client.config.jsSrc).toBe('self');
    expect(started.client.config.debug).toBe(true);
  });

  it('receives pageviews, identify, browser and server exceptions and masked replay, and lists them', async () => {
    const context = await browser.newContext({ userAgent: DESKTOP_CHROME_UA });
    const page = await context.newPage();
    const loaded = () =>
      page.waitForFunction(() => (window as any).posthog?.__loaded === true, undefined, {
        timeout: 10_000,
      });

    await page.goto(`${started.url}/login`);
    const bundle = await page.evaluate(() =>
      Array.from(document.scripts, (s) => s.src).find((src) => src.includes('array.full')),
    );
    expect(bundle).toMatch(new RegExp(`^${started.url}/_posthog/array\\.full\\.[0-9a-f]+\\.js$`));
    await page.fill('input[name=name]', 'Ada Lovelace');
    await page.fill('input[name=email]', 'ada@example.com');
    await Promise.all([page.waitForURL(`${started.url}/`), page.click('button[type=submit]')]);
    await loaded();

    await waitForStored((e) => e.event === '$pageview' && e.distinctId === 'ada@example.com');
    await waitForStored((e) => e.event === '$identify' && e.distinctId === 'ada@example.com');

    await page.goto(`${started.url}/errors`);
    await loaded();
    const sessionId: string = await page.evaluate(() => (window as any).posthog.get_session_id());
    // Inputs the app did not mask itself: replay must still never carry what is typed.
    await page.evaluate(() => {
      const main = document.querySelector('main');
      main?.insertAdjacentHTML(
        'beforeend',
        '<p><input id="typed-password" type="password"> <input id="typed-text" type="text"></p>',
      );
    });
    await page.waitForFunction(() => (window as any).posthog.sessionRecordingStarted?.() === true);
    await page.type('#typed-password', TYPED_PASSWORD);
    await page.type('#typed-text', TYPED_TEXT);
    await page.click('#browser-error');
    await page.click('#server-error');
    await page.waitForFunction(() =>
      document.getElementById('result')?.textContent?.includes('500'),
    );
    await started.client.flush(2_000);

    const [serverError] = await waitForStored(
      (e) => e.event === '$exception' && messageOf(e) === 'demo server error',
    );
    expect(serverError?.source).toBe('server');
    expect(serverError?.sessionId).toBe(sessionId);
    expect(serverError?.properties).toMatchObject({
      environment: 'local',
      path: '/api/debug/throw',
      user_id: 'ada@example.com',
    });
    const [browserError] = await waitForStored(
      (e) => e.event === '$exception' && messageOf(e) === 'demo browser error',
    );
    expect(browserError?.source).toBe('browser');
    expect(browserError?.sessionId).toBe(sessionId);

    // Leaving the page flushes the recorder; the typed characters arrive as masked input events.
    await page.goto(`${started.url}/standalone`);
    await loaded();
    const deadline = Date.now() + 15_000;
    const maskedInputs = () =>
      rrwebEvents(sessionId).filter(
        (e) => e.type === 3 && e.data?.source === 5 && typeof e.data.text === 'string',
      );
    while (
      !maskedInputs().some((e) => e.data?.text === '*'.repeat(TYPED_TEXT.length)) &&
      Date.now() < deadline
    ) {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const inputs = maskedInputs().map((e) => e.data?.text);
    expect(inputs).toContain('*'.repeat(TYPED_TEXT.length));
    expect(inputs).toContain('*'.repeat(TYPED_PASSWORD.length));
    expect(rrwebEvents(sessionId).some((e) => e.type === 2)).toBe(true);
    // Replay went where the inspector's remote config said; server events came batched.
    const endpoints = new Set(
      started.inspector?.store.list().map((e) => `${e.event} ${e.endpoint}`),
    );
    expect(endpoints).toContain('$snapshot /s/');
    expect(endpoints).toContain('$exception /batch/');
    const everything = JSON.stringify(started.inspector?.store.list());
    expect(everything).not.toContain(TYPED_PASSWORD);
    expect(everything).not.toContain(TYPED_TEXT);
    expect(everything).not.toContain('hunter2');

    // The events page, as a newcomer sees it.
    const inspectorPage = await context.newPage();
    await inspectorPage.goto(started.inspectorUrl ?? '');
    const listed = await inspectorPage.$$eval('tr.row', (rows) =>
      rows.map((row) => ({
        event: row.querySelector('.event')?.textContent,
        summary: row.querySelector('.summary')?.textContent ?? '',
      })),
    );
    const names = new Set(listed.map((row) => row.event));
    for (const name of ['$pageview', '$identify', '$exception', '$snapshot']) {
      expect(names, name).toContain(name);
    }
    expect(listed.some((row) => row.summary.includes('ValueError: demo server error'))).toBe(true);
    expect(listed.some((row) => row.summary.includes('demo browser error'))).toBe(true);
    expect(listed.some((row) => /^replay: \d+ rrweb events? \(/.test(row.summary))).toBe(true);
    // The page is not injected: looking at events does not record more of them.
    expect(await inspectorPage.evaluate(() => 'posthog' in window)).toBe(false);

    await inspectorPage.fill('input[name=session]', sessionId);
    await inspectorPage.fill('input[name=event]', '$exception');
    await Promise.all([
      inspectorPage.waitForURL(/session=/),
      inspectorPage.click('button[type=submit]'),
    ]);
    const filtered = await inspectorPage.$$eval('tr.row .summary', (cells) =>
      cells.map((cell) => cell.textContent ?? ''),
    );
    expect(filtered.length).toBe(2);
    expect(filtered.some((text) => text.includes('demo server error'))).toBe(true);
    expect(filtered.some((text) => text.includes('demo browser error'))).toBe(true);
    await context.close();
  }, 60_000);
});
