/// <reference lib="dom" />
import express from 'express';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { posthogErrorHandler } from '../../src/error-handler/index.js';
import { posthogSnippet } from '../../src/snippet/posthog-snippet.js';
import { posthogUser } from '../../src/user/index.js';
import { waitForPosthog } from '../helpers/browser.js';
import { useBrowserSite } from '../helpers/browser-site.js';
import type { CapturedEvent } from '../helpers/capture-server.js';
import { TEST_PROJECT_KEY } from '../helpers/client.js';

const USER = { id: 'u-consent-ada', email: 'ada.consent@example.com', name: 'Ada Consent' };

const page = (title: string, body = '') =>
  `<!DOCTYPE html><html><head><title>${title}</title></head><body><p>${title}</p>${body}</body></html>`;

/** The app: a logged-in user (cookie `login=ada`), pages, a form post and a throwing route. */
const site = useBrowserSite(
  { jsSrc: 'self', consent: 'ask', identifyPii: 'full' },
  (client) => {
    const app = express();
    app.use(posthogSnippet({ client }));
    app.use(
      posthogUser({
        client,
        getUser: (req) =>
          /(?:^|;\s*)login=ada(?:;|$)/.test(req.headers.cookie ?? '') ? USER : undefined,
      }),
    );
    app.get('/page/:n', (req, res) => {
      res.type('html').send(page(`page ${req.params.n}`));
    });
    app.get('/form', (_req, res) => {
      res
        .type('html')
        .send(
          page('form', '<form method="post" action="/boom"><button id="go">go</button></form>'),
        );
    });
    // A banner that accepts before posthog-js has loaded: the boot script queues the call.
    app.get('/accept-early', (_req, res) => {
      res.type('html').send(page('early', '<script>posthog.opt_in_capturing()</script>'));
    });
    app.all('/boom', function boomInConsentTest(req) {
      throw new Error(`consent boom ${req.method} ${String(req.query.n ?? '')}`);
    });
    app.use(posthogErrorHandler({ client }));
    return app;
  },
  { replay: true },
);

type PosthogGlobal = {
  posthog: {
    opt_in_capturing(): void;
    opt_out_capturing(): void;
    get_session_id(): string;
    get_distinct_id(): string;
    sessionRecordingStarted?(): boolean;
  };
};

/** Everything PostHog keeps in the browser: cookies, localStorage and sessionStorage entries. */
async function storedByPosthog(p: Page): Promise<string[]> {
  const cookies = (await p.context().cookies()).map((c) => `cookie ${c.name}=${c.value}`);
  const storage = await p.evaluate(() => {
    const keys: string[] = [];
    for (const [name, store] of [
      ['localStorage', localStorage],
      ['sessionStorage', sessionStorage],
    ] as const) {
      for (let i = 0; i < store.length; i += 1) keys.push(`${name} ${store.key(i)}`);
    }
    return keys;
  });
  return [...cookies, ...storage].filter((entry) => /ph_|posthog/i.test(entry));
}

const settle = (p: Page, ms = 300) =>
  p.evaluate((wait) => new Promise((resolve) => setTimeout(resolve, wait)), ms);

/** The server `$exception` thrown by `/boom?n=<n>` with `method`. */
async function serverException(method: string, n: string): Promise<CapturedEvent> {
  await site.client.flush();
  const [event] = await site.capture.waitForEvents(
    1,
    (e) =>
      e.event === '$exception' &&
      e.properties.$exception_list?.[0]?.value === `consent boom ${method} ${n}`,
  );
  if (!event) throw new Error('no exception');
  return event;
}

function expectPersonless(event: CapturedEvent): void {
  expect(event.properties.$process_person_profile).toBe(false);
  expect(event.distinct_id).not.toBe(USER.id);
  for (const key of ['user_id', 'user_email', 'user_name', '$ip', '$session_id']) {
    expect(event.properties, key).not.toHaveProperty(key);
  }
}

/** Every request the capture server got, as text: the user's id and email must be in none. */
function requestsMention(text: string): boolean {
  return site.capture.requests.some((r) => JSON.stringify(r.body ?? '').includes(text));
}

const posthogEvents = (filter: (e: CapturedEvent) => boolean) => site.capture.events.filter(filter);

describe("consent 'ask', in Chromium with the real posthog-js and posthog-node", () => {
  it('stores nothing, identifies no one and records no replay before acceptance; accepting identifies once, with replay and linked server errors; refusing clears everything for good', async () => {
    await site.withPage(async (p) => {
      await p.context().addCookies([{ name: 'login', value: 'ada', url: site.url }]);
      // Before: several pages of a logged-in user.
      for (const n of ['1', '2', '3']) {
        await p.goto(`${site.url}/page/${n}`);
        await waitForPosthog(p);
        for (const x of [20, 60]) await p.mouse.click(x, 20);
        await settle(p);
        expect(await storedByPosthog(p)).toEqual([]);
      }
      // Page views are still counted, cookieless.
      const cookieless = await site.capture.waitForEvents(
        3,
        (e) => e.event === '$pageview' && e.properties.$cookieless_mode === true,
        20_000,
      );
      expect(cookieless.length).toBeGreaterThanOrEqual(3);
      expect((await p.goto(`${site.url}/boom?n=before`))?.status()).toBe(500);
      expectPersonless(await serverException('GET', 'before'));
      await p.goto(`${site.url}/page/4`);
      await waitForPosthog(p);
      await settle(p, 500);
      expect(await storedByPosthog(p)).toEqual([]);
      expect(posthogEvents((e) => e.event === '$identify')).toEqual([]);
      expect(posthogEvents((e) => e.event === '$snapshot')).toEqual([]);
      expect(requestsMention(USER.id)).toBe(false);
      expect(requestsMention(USER.email)).toBe(false);

      // Accepting, on this same page: one $identify, persistence, replay.
      await p.evaluate(() => (globalThis as unknown as PosthogGlobal).posthog.opt_in_capturing());
      const [identify] = await site.capture.waitForEvents(
        1,
        (e) => e.event === '$identify' && e.distinct_id === USER.id,
        20_000,
      );
      expect(identify?.properties.$set?.user_email ?? identify?.properties.user_email).toBe(
        USER.email,
      );
      await expect
        .poll(async () => (await p.context().cookies()).map((c) => `${c.name}=${c.value}`))
        .toEqual(expect.arrayContaining([`__ph_opt_in_out_${TEST_PROJECT_KEY}=1`]));
      await expect
        .poll(async () => (await p.context().cookies()).map((c) => c.name))
        .toContain(`ph_${TEST_PROJECT_KEY}_posthog`);
      // posthog-js uploads a recording once the visitor interacts with the page.
      for (const x of [20, 60, 100]) await p.mouse.click(x, 20);
      await site.capture.waitForEvents(1, (e) => e.event === '$snapshot', 20_000);
      const sessionId = await p.evaluate(() =>
        (globalThis as unknown as PosthogGlobal).posthog.get_session_id(),
      );
      // The server's next exception, on a full navigation: attributed, linked to the session.
      expect((await p.goto(`${site.url}/boom?n=after`))?.status()).toBe(500);
      const after = await serverException('GET', 'after');
      expect(after.distinct_id).toBe(USER.id);
      expect(after.properties.user_email).toBe(USER.email);
      expect(after.properties.$session_id).toBe(sessionId);
      // Later pages: identified once, no new $identify.
      await p.goto(`${site.url}/page/5`);
      await waitForPosthog(p);
      await settle(p, 500);
      expect(posthogEvents((e) => e.event === '$identify')).toHaveLength(1);

      // Refusing: back to nothing stored but the refusal, for good.
      await p.evaluate(() => (globalThis as unknown as PosthogGlobal).posthog.opt_out_capturing());
      await settle(p, 500);
      expect(await storedByPosthog(p)).toEqual([`cookie __ph_opt_in_out_${TEST_PROJECT_KEY}=0`]);
      for (const n of ['6', '7']) {
        await p.goto(`${site.url}/page/${n}`);
        await waitForPosthog(p);
        await settle(p);
        expect(await storedByPosthog(p)).toEqual([`cookie __ph_opt_in_out_${TEST_PROJECT_KEY}=0`]);
      }
      expect((await p.goto(`${site.url}/boom?n=refused`))?.status()).toBe(500);
      expectPersonless(await serverException('GET', 'refused'));
      expect(posthogEvents((e) => e.event === '$identify')).toHaveLength(1);
    });
  }, 120_000);

  it('queues an acceptance made before posthog-js loaded, and a form post carries the choice to the server', async () => {
    await site.withPage(async (p) => {
      await p.context().addCookies([{ name: 'login', value: 'ada', url: site.url }]);
      await p.goto(`${site.url}/accept-early`);
      await waitForPosthog(p);
      await expect
        .poll(async () => (await p.context().cookies()).map((c) => `${c.name}=${c.value}`))
        .toEqual(expect.arrayContaining([`__ph_opt_in_out_${TEST_PROJECT_KEY}=1`]));
      await expect
        .poll(() =>
          p.evaluate(() => (globalThis as unknown as PosthogGlobal).posthog.get_distinct_id()),
        )
        .toBe(USER.id);
      await p.goto(`${site.url}/form`);
      await waitForPosthog(p);
      await settle(p);
      const sessionId = await p.evaluate(() =>
        (globalThis as unknown as PosthogGlobal).posthog.get_session_id(),
      );
      const [response] = await Promise.all([p.waitForNavigation(), p.click('#go')]);
      expect(response?.status()).toBe(500);
      const posted = await serverException('POST', '');
      expect(posted.distinct_id).toBe(USER.id);
      expect(posted.properties.$session_id).toBe(sessionId);
    });
  }, 90_000);

  it('keeps the choice across logout: the reset forgets the user, not the consent, and sends no new $opt_in', async () => {
    await site.withPage(async (p) => {
      await p.context().addCookies([{ name: 'login', value: 'ada', url: site.url }]);
      await p.goto(`${site.url}/page/logout-1`);
      await waitForPosthog(p);
      await p.evaluate(() => (globalThis as unknown as PosthogGlobal).posthog.opt_in_capturing());
      await expect
        .poll(() =>
          p.evaluate(() => (globalThis as unknown as PosthogGlobal).posthog.get_distinct_id()),
        )
        .toBe(USER.id);
      await settle(p, 500);
      const optIns = posthogEvents((e) => e.event === '$opt_in').length;
      // Logout: the next page is anonymous, and the snippet resets the browser's identity.
      await p.context().clearCookies({ name: 'login' });
      await p.goto(`${site.url}/page/logout-2`);
      await waitForPosthog(p);
      await settle(p, 500);
      expect(
        await p.evaluate(() => (globalThis as unknown as PosthogGlobal).posthog.get_distinct_id()),
      ).not.toBe(USER.id);
      const cookies = (await p.context().cookies()).map((c) => `${c.name}=${c.value}`);
      expect(cookies).toContain(`__ph_opt_in_out_${TEST_PROJECT_KEY}=1`);
      expect(cookies.some((c) => c.startsWith(`ph_${TEST_PROJECT_KEY}_posthog=`))).toBe(true);
      expect(posthogEvents((e) => e.event === '$opt_in')).toHaveLength(optIns);
    });
  }, 90_000);
});
