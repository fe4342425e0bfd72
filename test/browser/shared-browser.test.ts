/// <reference lib="dom" />
import express from 'express';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PosthogClient } from '../../src/client/index.js';
import { posthogSnippet } from '../../src/middlewares/snippet/index.js';
import { DESKTOP_CHROME_UA, launchChromium, waitForPosthog } from '../helpers/browser.js';
import {
  type CapturedEvent,
  type CaptureServer,
  startCaptureServer,
} from '../helpers/capture-server.js';
import { enabledClient } from '../helpers/client.js';
import { serve } from '../helpers/serve.js';

let capture: CaptureServer;
let client: PosthogClient;
let browser: Browser;
let site: { url: string; close(): Promise<void> };

const USERS: Record<string, { id: string; email: string; name: string }> = {
  A: { id: 'user-a', email: 'a@example.com', name: 'Alice' },
  B: { id: 'user-b', email: 'b@example.com', name: 'Bob' },
};

beforeAll(async () => {
  capture = await startCaptureServer();
  ({ client } = enabledClient(capture.url, { jsSrc: 'self', identifyPii: 'full' }));
  const app = express();
  app.use(posthogSnippet({ client }));
  // A tiny cookie login, standing in for the app's auth.
  app.use((req, _res, next) => {
    const who = /(?:^|; )who=(\w+)/.exec(req.headers.cookie ?? '')?.[1];
    if (who && USERS[who]) (req as any).user = USERS[who];
    next();
  });
  app.get('/login/:who', (req, res) => {
    res.setHeader('Set-Cookie', `who=${req.params.who}; Path=/`);
    res.redirect('/page?step=logged-in');
  });
  app.get('/logout', (_req, res) => {
    res.setHeader('Set-Cookie', 'who=; Path=/; Max-Age=0');
    res.redirect('/page?step=logged-out');
  });
  app.get('/page', (req, res) => {
    res
      .type('html')
      .send(
        `<!DOCTYPE html><html><head><title>${req.query.step}</title></head><body>page</body></html>`,
      );
  });
  site = await serve(app);
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await site?.close();
  await client?.shutdown(200);
  await capture?.close();
});

function pageviewsOf(step: string): (e: CapturedEvent) => boolean {
  return (e) =>
    e.event === '$pageview' && String(e.properties.$current_url ?? '').includes(`step=${step}`);
}

describe('one browser shared by two people', () => {
  it('never files the next person, or the anonymous visitor after logout, under the last one', async () => {
    const context = await browser.newContext({ userAgent: DESKTOP_CHROME_UA });
    const page = await context.newPage();
    const visit = async (path: string) => {
      await page.goto(`${site.url}${path}`);
      await waitForPosthog(page);
    };
    await visit('/login/A');
    await visit('/page?step=a-browsing');
    await visit('/logout');
    await visit('/page?step=anonymous-browsing');
    await visit('/login/B');
    await visit('/page?step=b-browsing');
    await visit('/page?step=done');
    await context.close();

    const [aPage] = await capture.waitForEvents(1, pageviewsOf('a-browsing'), 20_000);
    const anonymous = await capture.waitForEvents(
      2,
      (e) => pageviewsOf('logged-out')(e) || pageviewsOf('anonymous-browsing')(e),
      20_000,
    );
    const bEvents = await capture.waitForEvents(
      2,
      (e) =>
        (pageviewsOf('logged-in')(e) && e.properties.user_id === 'user-b') ||
        pageviewsOf('b-browsing')(e),
      20_000,
    );

    expect(aPage?.distinct_id).toBe('user-a');
    expect(aPage?.properties).toMatchObject({
      user_id: 'user-a',
      user_email: 'a@example.com',
      user_name: 'Alice',
    });

    for (const event of anonymous) {
      expect(event.distinct_id).not.toBe('user-a');
      expect(event.properties).not.toHaveProperty('user_id');
      expect(event.properties).not.toHaveProperty('user_email');
      expect(event.properties).not.toHaveProperty('user_name');
    }
    for (const event of bEvents) {
      expect(event.distinct_id).toBe('user-b');
      expect(event.properties).toMatchObject({ user_id: 'user-b', user_email: 'b@example.com' });
    }
    // Nothing after A logged out carries A's identity.
    const afterLogout = capture.events.filter((e) =>
      /step=(logged-out|anonymous-browsing|b-browsing|done)/.test(
        String(e.properties.$current_url ?? ''),
      ),
    );
    expect(afterLogout.length).toBeGreaterThan(0);
    for (const event of afterLogout) {
      expect(event.distinct_id).not.toBe('user-a');
      expect(event.properties.user_id).not.toBe('user-a');
      expect(event.properties.user_email).not.toBe('a@example.com');
    }
    const identifies = capture.events
      .filter((e) => e.event === '$identify')
      .map((e) => e.distinct_id);
    expect(identifies).toEqual(expect.arrayContaining(['user-a', 'user-b']));
  }, 90_000);
});
