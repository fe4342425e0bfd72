/// <reference lib="dom" />
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Frame, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InspectedEvent } from '../../src/apps/inspector/index.js';
import { type StartedReferenceApp, startReferenceApp } from '../../src/apps/reference/index.js';
import { DESKTOP_CHROME_UA, launchChromium, waitForPosthog } from '../helpers/browser.js';

/** Where the screenshots go: the test artefacts (docs/img/ holds the ones looked at and kept). */
const ARTIFACTS = process.env.TEST_ARTIFACTS_DIR ?? join(process.cwd(), 'test-artifacts');
const SHOTS = join(ARTIFACTS, 'inspector');

let started: StartedReferenceApp;
let browser: Browser;
let app: BrowserContext;
let inspectorPage: Page;

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  // `npm start` with no POSTHOG_API_KEY: the same function, the same defaults (LLM payloads on to show them).
  started = await startReferenceApp({
    env: { POSTHOG_LLM_PAYLOADS: '1' },
    port: 0,
    signals: [],
  });
  browser = await launchChromium();
  app = await browser.newContext({ userAgent: DESKTOP_CHROME_UA });
  const viewer = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  inspectorPage = await viewer.newPage();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await started?.stop();
});

/** Polls the inspector's store until an event matches, or fails with what did arrive. */
async function waitForStored(
  filter: (event: InspectedEvent) => boolean,
  timeoutMs = 15_000,
): Promise<InspectedEvent> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = started.inspector?.store.list().find(filter);
    if (found) return found;
    if (Date.now() > deadline) {
      const names = started.inspector?.store.list().map((e) => e.event);
      throw new Error(`waited ${timeoutMs} ms for an event; stored: ${JSON.stringify(names)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const TYPED = 'typed-card-4111-never-stored';
const TYPED_PASSWORD = 'hunter2-Pa55word';

/** The replayed page inside rrweb-player's iframe. */
async function replayedFrame(page: Page): Promise<Frame> {
  const handle = await page.waitForSelector('#player iframe', { timeout: 10_000 });
  const frame = await handle.contentFrame();
  if (!frame) throw new Error('the player has no iframe');
  return frame;
}

describe('the local inspector in real Chromium (npm start without a key)', () => {
  it('shows an event the app sends in an open inspector page within 2 s, without a reload', async () => {
    await inspectorPage.goto(started.inspectorUrl ?? '');
    await inspectorPage.waitForSelector('#live.on');
    await inspectorPage.evaluate(() => {
      (window as unknown as { notReloaded: boolean }).notReloaded = true;
    });
    const sent = performance.now();
    started.client.capture({
      event: 'order placed',
      distinctId: 'live-check',
      properties: { total: 42 },
    });
    await started.client.flush(2_000);
    await inspectorPage.waitForSelector('tr.row[data-event="order placed"]', { timeout: 2_000 });
    const ms = performance.now() - sent;
    console.info(
      `inspector live update: the event was on the open page ${ms.toFixed(0)} ms after capture()`,
    );
    expect(ms).toBeLessThan(2_000);
    expect(
      await inspectorPage.evaluate(
        () => (window as unknown as { notReloaded?: boolean }).notReloaded,
      ),
    ).toBe(true);
  });

  it("lists a session's events in event time, renders the server stack app frames first and the LLM call rounded", async () => {
    const page = await app.newPage();
    await page.goto(`${started.url}/login`);
    await page.fill('input[name=name]', 'Ada Lovelace');
    await page.fill('input[name=email]', 'ada@example.com');
    await Promise.all([page.waitForURL(`${started.url}/`), page.click('button[type=submit]')]);
    await page.goto(`${started.url}/errors`);
    await waitForPosthog(page);
    const sessionId: string = await page.evaluate(() => (window as any).posthog.get_session_id());
    await page.click('#browser-error');
    await page.click('#server-error');
    await page.waitForFunction(() =>
      document.getElementById('result')?.textContent?.includes('500'),
    );
    await page.goto(`${started.url}/llm`);
    await page.fill('input[name=prompt]', 'Say hello to the inspector');
    await Promise.all([page.waitForSelector('#answer'), page.click('form[action="/llm"] button')]);
    await started.client.flush(2_000);
    await waitForStored((e) => e.event === '$ai_generation');
    await waitForStored((e) => e.event === '$exception' && e.source === 'browser');

    // Grouped by session: the server's exception sits in the browser session it came from.
    const group = inspectorPage.locator(`section.group[data-session="${sessionId}"]`);
    await group.locator('tr.row[data-event="$exception"] >> nth=1').waitFor({ timeout: 10_000 });
    const serverRow = group.locator('tr.row[data-event="$exception"]', {
      hasText: 'demo server error',
    });
    const appFrames = await serverRow.locator('.exception > ol.stack li').allTextContents();
    expect(appFrames.length).toBeGreaterThan(0);
    for (const frame of appFrames) expect(frame).not.toMatch(/node_modules|\(node:/);
    const folded = await serverRow.locator('details.more-frames li').allTextContents();
    expect(folded.some((frame) => /node_modules|node:/.test(frame))).toBe(true);
    expect(await serverRow.locator('details.more-frames').getAttribute('open')).toBeNull();

    // Rows in event time, newest first, whatever order they arrived in.
    const times = await inspectorPage.$$eval('tr.row time', (nodes) =>
      nodes.map((node) => Date.parse(node.getAttribute('datetime') ?? '')),
    );
    const sections = await inspectorPage.$$eval('section.group', (nodes) => nodes.length);
    expect(sections).toBeGreaterThan(1);
    await inspectorPage.uncheck('#group');
    const flat = await inspectorPage.$$eval('tr.row time', (nodes) =>
      nodes.map((node) => Date.parse(node.getAttribute('datetime') ?? '')),
    );
    expect(flat).toEqual([...flat].sort((a, b) => b - a));
    expect(times.length).toBe(flat.length);
    const title = await inspectorPage.locator('tr.row td.time').first().getAttribute('title');
    expect(title).toMatch(/^happened .*\nreceived .*\(\d{4}-\d\d-\d\dT/);
    await inspectorPage.check('#group');

    const llm = inspectorPage.locator('tr.row[data-event="$ai_generation"]').first();
    const fields = await llm.locator('dl.ai').textContent();
    expect(fields).toMatch(/modeldemo echo-1/);
    expect(fields).toMatch(/tokens\d+ in, \d+ out/);
    expect(fields).toMatch(/latency\d+(\.\d{1,3})? (ms|s)(?!\d)/);
    const messages = await llm.locator('.messages li').allTextContents();
    expect(messages).toContain('userSay hello to the inspector');

    // Click to filter: the session, then a user, then an event name.
    await group.locator('.group-head .chip-session').click();
    expect(new URL(inspectorPage.url()).searchParams.get('session')).toBe(sessionId);
    const sessionsShown = await inspectorPage.$$eval('section.group', (nodes) =>
      nodes.map((node) => node.getAttribute('data-session')),
    );
    expect(sessionsShown).toEqual([sessionId]);
    await serverRow.locator('.exception').first().scrollIntoViewIfNeeded();
    await inspectorPage.screenshot({ path: join(SHOTS, 'inspector-session.png'), fullPage: false });
    await inspectorPage.locator('tr.row .chip-event', { hasText: '$exception' }).first().click();
    const events = await inspectorPage.$$eval('tr.row', (rows) =>
      rows.map((row) => row.getAttribute('data-event')),
    );
    expect(new Set(events)).toEqual(new Set(['$exception']));
    await inspectorPage.click('#f-clear');
    await inspectorPage
      .locator('tr.row .chip-user', { hasText: 'ada@example.com' })
      .first()
      .click();
    const users = await inspectorPage.$$eval('tr.row .user', (cells) =>
      cells.map((cell) => cell.textContent),
    );
    expect(new Set(users)).toEqual(new Set(['ada@example.com']));
    await inspectorPage.click('#f-event');
    await inspectorPage.fill('#f-event', '$ai_generation');
    await llm.scrollIntoViewIfNeeded();
    await inspectorPage.screenshot({ path: join(SHOTS, 'inspector-llm.png') });
    await inspectorPage.click('#f-clear');
    await page.close();
  }, 60_000);

  it('plays a recorded session back in the page, with [data-sensitive] text and typed inputs masked', async () => {
    // A fresh visitor: a short session of its own, so the player reaches the typing quickly.
    const visitor = await browser.newContext({ userAgent: DESKTOP_CHROME_UA });
    const page = await visitor.newPage();
    await page.goto(`${started.url}/`);
    await waitForPosthog(page);
    const sessionId: string = await page.evaluate(() => (window as any).posthog.get_session_id());
    await page.waitForFunction(() => (window as any).posthog.sessionRecordingStarted?.() === true);
    await page.evaluate(() => {
      document
        .querySelector('main')
        ?.insertAdjacentHTML('beforeend', '<p><input id="typed-password" type="password"></p>');
    });
    await page.type('input[name=secret]', TYPED);
    await page.type('#typed-password', TYPED_PASSWORD);
    // posthog-js sends its replay buffer every few seconds; the typed text must have gone out.
    await waitForStored(
      (e) =>
        e.event === '$snapshot' &&
        e.sessionId === sessionId &&
        JSON.stringify(e.properties).includes('*'.repeat(TYPED_PASSWORD.length)),
    );
    expect(JSON.stringify(started.inspector?.store.list())).not.toContain(TYPED);

    await inspectorPage.fill('#f-session', sessionId);
    const play = inspectorPage.locator(`section.group[data-session="${sessionId}"] button.play`);
    await play.waitFor({ timeout: 10_000 });
    await play.click();
    const frame = await replayedFrame(inspectorPage);
    // Wait for the replay to reach the typing, then read the replayed DOM.
    // The replayed frame runs no scripts (rrweb sandboxes it), so poll it from outside.
    const deadline = Date.now() + 20_000;
    while (
      (await frame.evaluate(
        () => (document.querySelector('input[name=secret]') as HTMLInputElement | null)?.value,
      )) !== '*'.repeat(TYPED.length)
    ) {
      if (Date.now() > deadline) throw new Error('the replay never reached the typed input');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const replayed = await frame.evaluate(() => ({
      sensitive: document.querySelector('[data-sensitive]')?.textContent ?? null,
      inputs: Array.from(document.querySelectorAll('input'), (input) => input.value),
      html: document.documentElement.outerHTML,
    }));
    expect(replayed.sensitive).toMatch(/^[*\s]+$/);
    expect(replayed.sensitive?.replace(/\s/g, '').length).toBeGreaterThan(10);
    expect(replayed.inputs).toContain('*'.repeat(TYPED.length));
    for (const value of replayed.inputs) expect(value).toMatch(/^\**$/);
    expect(replayed.html).not.toContain(TYPED);
    expect(replayed.html).not.toContain('4,210.99');
    await inspectorPage.locator('#player-panel').scrollIntoViewIfNeeded();
    await inspectorPage.screenshot({ path: join(SHOTS, 'inspector-replay.png') });
    await inspectorPage.click('#player-close');
    await inspectorPage.click('#f-clear');
    await visitor.close();
  }, 60_000);

  it("switches a flag on from the inspector page: the app's server-side and browser flags both turn on", async () => {
    const page = await app.newPage();
    await page.goto(`${started.url}/flags`);
    await waitForPosthog(page);
    await page.waitForFunction(
      () => document.getElementById('browser-flag')?.textContent === 'off',
    );
    expect(await page.textContent('#server-flag')).toBe('off');

    await inspectorPage.click('#flags-panel summary');
    for (const key of ['demo-server-flag', 'demo-browser-flag']) {
      const box = inspectorPage.locator(`input[data-flag="${key}"]`);
      await box.check();
      await inspectorPage.waitForFunction(
        (k) => (document.querySelector(`input[data-flag="${k}"]`) as HTMLInputElement).checked,
        key,
      );
    }
    await inspectorPage.fill('#flag-key', 'checkout-variant');
    await inspectorPage.fill('#flag-value', 'blue');
    await inspectorPage.click('#flag-form button[type=submit]');
    await inspectorPage.waitForSelector('input[data-flag="checkout-variant"]');
    expect(started.inspector?.flags()).toEqual({
      'demo-server-flag': true,
      'demo-browser-flag': true,
      'checkout-variant': 'blue',
    });
    await inspectorPage.locator('#flags-panel').scrollIntoViewIfNeeded();
    await inspectorPage.screenshot({ path: join(SHOTS, 'inspector-flags.png') });

    await page.reload();
    await waitForPosthog(page);
    expect(await page.textContent('#server-flag')).toBe('on');
    await page.waitForFunction(
      () => document.getElementById('browser-flag')?.textContent === 'on',
      undefined,
      {
        timeout: 10_000,
      },
    );
    await page.close();
  }, 60_000);
});
