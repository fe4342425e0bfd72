/// <reference lib="dom" />
import { randomBytes } from 'node:crypto';
import express from 'express';
import fc from 'fast-check';
import helmet from 'helmet';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { posthogSnippet } from '../../src/snippet/posthog-snippet.js';
import { waitForPosthog } from '../helpers/browser.js';
import { CONSENT_DELIVERIES, useBrowserSite } from '../helpers/browser-site.js';
import { TEST_PROJECT_KEY } from '../helpers/client.js';

const XSS_PAYLOADS = [
  '</script><script>window.__xss=1</script>',
  '</SCRIPT ><script>window.__xss=1</script>',
  '"><img src=x onerror="window.__xss=1">',
  "';window.__xss=1;//",
  '";window.__xss=1;//',
  '\u2028window.__xss=1\u2029',
  '<!--<script>window.__xss=1//',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a template-literal injection payload
  '${window.__xss=1}',
  '\\";window.__xss=1;//',
  '</script\u0000><script>window.__xss=1</script>',
  '<svg/onload=window.__xss=1>',
  ']]><script>window.__xss=1</script>',
  'Zoë 日本 😀 </head><script>window.__xss=1</script>',
];

function encodeUser(user: { id: string; email: string; name: string }): string {
  return Buffer.from(JSON.stringify(user)).toString('base64url');
}

/** posthog-js's consent cookie saying yes, for the test client's key. */
const ACCEPTED = `__ph_opt_in_out_${TEST_PROJECT_KEY}=1`;

// Once per consent mode: in `ask`, a visitor who has accepted (posthog-js's consent cookie says
// yes) gets the identity through the same escaping as in `granted`, with the same results
// (docs/observability.md, "Consent").
describe.each(CONSENT_DELIVERIES)(
  'in consent mode %s, with the %s delivery',
  (consent, delivery) => {
    const site = useBrowserSite(
      { jsSrc: 'self', identifyPii: 'full', consent },
      (client, capture) => {
        const app = express();
        app.use((_req, res, next) => {
          res.locals.cspNonce = randomBytes(16).toString('base64');
          next();
        });
        app.use('/csp', (_req, res, next) =>
          helmet({
            contentSecurityPolicy: {
              directives: {
                scriptSrc: ["'self'", `'nonce-${res.locals.cspNonce}'`],
                connectSrc: ["'self'", capture.url],
              },
            },
          })(_req, res, next),
        );
        app.use(posthogSnippet({ client, delivery }));
        app.get(['/page', '/csp/page'], (req, res) => {
          const raw = typeof req.query.u === 'string' ? req.query.u : '';
          if (raw) (req as any).user = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
          res
            .type('html')
            .send(
              '<!DOCTYPE html><html><head><title>t</title></head><body><h1>page</h1><script>window.__unnonced=1</script></body></html>',
            );
        });
        return app;
      },
    );

    async function loadAs(
      page: Page,
      path: string,
      user: { id: string; email: string; name: string },
    ) {
      if (consent === 'ask') {
        const [name, value] = ACCEPTED.split('=') as [string, string];
        await page.context().addCookies([{ name, value, url: site.url }]);
      }
      const response = await page.goto(`${site.url}${path}?u=${encodeUser(user)}`);
      await waitForPosthog(page);
      return response;
    }

    describe('the snippet in real Chromium', () => {
      it('keeps XSS payloads in user names and emails inert, and still identifies the user', async () => {
        await site.withPage(async (page) => {
          for (const [index, payload] of XSS_PAYLOADS.entries()) {
            const user = { id: `xss-${index}`, email: payload, name: payload };
            await loadAs(page, '/page', user);
            const seen = await page.evaluate(() => ({
              xss: (window as any).__xss,
              name: (window as any).posthog.get_property('user_name'),
              email: (window as any).posthog.get_property('user_email'),
              id: (window as any).posthog.get_distinct_id(),
            }));
            expect(seen.xss, payload).toBeUndefined();
            // normalizeUser trims, as it does for every user field
            expect(seen).toMatchObject({
              name: payload.trim(),
              email: payload.trim(),
              id: user.id,
            });
          }
        });
      }, 90_000);

      it('keeps arbitrary Unicode strings inert and exact (fast-check)', async () => {
        await site.withPage(async (page) => {
          await fc.assert(
            fc.asyncProperty(
              fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }),
              async (name) => {
                const user = { id: 'fc-user', email: `${name}@example.com`, name };
                await loadAs(page, '/page', user);
                const seen = await page.evaluate(() => ({
                  xss: (window as any).__xss,
                  name: (window as any).posthog.get_property('user_name'),
                }));
                expect(seen.xss).toBeUndefined();
                expect(seen.name).toBe(name.trim() === '' ? undefined : name.trim());
              },
            ),
            { numRuns: 15 },
          );
        });
      }, 90_000);

      it('sends a pure-ASCII snippet even for a non-ASCII user', async () => {
        const user = { id: 'ü', email: 'zoë@example.com', name: '日本 😀 \u2028' };
        const response = await fetch(`${site.url}/page?u=${encodeUser(user)}`, {
          headers: consent === 'ask' ? { cookie: ACCEPTED } : {},
        });
        const html = Buffer.from(await response.arrayBuffer()).toString('latin1');
        const snippet = /<script data-express-posthog[\s\S]*?<\/script>/.exec(html)?.[0] ?? '';
        // The tag carries the user, escaped: each of their non-ASCII characters as \uXXXX.
        expect(snippet).toContain('\\u00fc');
        expect(snippet).toContain('zo\\u00eb@example.com');
        expect([...Buffer.from(snippet, 'latin1')].every((byte) => byte < 0x80)).toBe(true);
      });

      it('runs under a helmet CSP with a nonce, while an un-nonced script stays blocked', async () => {
        await site.withPage(async (page) => {
          const violations: string[] = [];
          page.on('console', (message) => {
            if (message.text().includes('Content Security Policy')) violations.push(message.text());
          });
          const response = await loadAs(page, '/csp/page', {
            id: 'csp-user',
            email: 'c@x.io',
            name: 'C',
          });
          expect(response?.headers()['content-security-policy']).toContain("'nonce-");
          const seen = await page.evaluate(() => ({
            loaded: (window as any).posthog.__loaded,
            unnonced: (window as any).__unnonced,
            id: (window as any).posthog.get_distinct_id(),
          }));
          expect(seen).toEqual({ loaded: true, unnonced: undefined, id: 'csp-user' });
          expect(violations.some((v) => v.includes('inline script'))).toBe(true);
          await site.capture.waitForEvents(
            1,
            (e) => e.event === '$pageview' && e.distinct_id === 'csp-user',
            15_000,
          );
        });
      }, 60_000);
    });
  },
);
