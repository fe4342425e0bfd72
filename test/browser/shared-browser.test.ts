/// <reference lib="dom" />
import express from 'express';
import { describe, expect, it } from 'vitest';
import { posthogSnippet } from '../../src/snippet/posthog-snippet.js';
import { waitForPosthog } from '../helpers/browser.js';
import { useBrowserSite } from '../helpers/browser-site.js';
import type { CapturedEvent } from '../helpers/capture-server.js';

const USERS: Record<string, { id: string; email: string; name: string }> = {
  A: { id: 'user-a', email: 'a@example.com', name: 'Alice' },
  B: { id: 'user-b', email: 'b@example.com', name: 'Bob' },
};

describe.each(['boot', 'inline'] as const)('with the %s delivery', (delivery) => {
  const site = useBrowserSite({ jsSrc: 'self', identifyPii: 'full' }, (client) => {
    const app = express();
    app.use(posthogSnippet({ client, delivery }));
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
    return app;
  });

  function pageviewsOf(step: string): (e: CapturedEvent) => boolean {
    return (e) =>
      e.event === '$pageview' && String(e.properties.$current_url ?? '').includes(`step=${step}`);
  }

  describe('one browser shared by two people', () => {
    it('never files the next person, or the anonymous visitor after logout, under the last one', async () => {
      await site.withPage(async (page) => {
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
      });

      const [aPage] = await site.capture.waitForEvents(1, pageviewsOf('a-browsing'), 20_000);
      const anonymous = await site.capture.waitForEvents(
        2,
        (e) => pageviewsOf('logged-out')(e) || pageviewsOf('anonymous-browsing')(e),
        20_000,
      );
      const bEvents = await site.capture.waitForEvents(
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
      const afterLogout = site.capture.events.filter((e) =>
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
      const identifies = site.capture.events
        .filter((e) => e.event === '$identify')
        .map((e) => e.distinct_id);
      expect(identifies).toEqual(expect.arrayContaining(['user-a', 'user-b']));
    }, 90_000);
  });
});
