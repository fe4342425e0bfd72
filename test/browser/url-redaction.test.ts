/// <reference lib="dom" />
import express from 'express';
import { describe, expect, it } from 'vitest';
import { posthogSnippet } from '../../src/snippet/posthog-snippet.js';
import { waitForPosthog } from '../helpers/browser.js';
import { useBrowserSite } from '../helpers/browser-site.js';

const SECRETS = ['tok-S3CRET-1', 'code-S3CRET-2', 'at-S3CRET-3', 'id-S3CRET-4'];
const RESET = `/reset?token=${SECRETS[0]}&code=${SECRETS[1]}&page=2#access_token=${SECRETS[2]}&id_token=${SECRETS[3]}&state=ok`;

describe.each(['boot', 'inline'] as const)('secrets in page URLs, %s delivery', (delivery) => {
  const site = useBrowserSite({ jsSrc: 'self' }, (client) => {
    const app = express();
    app.use(posthogSnippet({ client, delivery }));
    app.get(['/reset', '/next'], (req, res) => {
      res
        .type('html')
        .send(
          `<!DOCTYPE html><html><head><title>${req.path}</title></head><body><a id="next" href="/next">next</a></body></html>`,
        );
    });
    return app;
  });

  it('never leave the browser, while harmless query values stay', async () => {
    await site.withPage(async (page) => {
      await page.goto(`${site.url}${RESET}`);
      await waitForPosthog(page);
      await page.click('#next');
      await page.waitForURL(`${site.url}/next`);
      await waitForPosthog(page);
    });
    const [reset] = await site.capture.waitForEvents(
      1,
      (e) => e.event === '$pageview' && String(e.properties.$current_url).includes('/reset'),
      20_000,
    );
    await site.capture.waitForEvents(
      1,
      (e) => e.event === '$pageview' && String(e.properties.$current_url).endsWith('/next'),
      20_000,
    );
    const url = String(reset?.properties.$current_url);
    expect(url).toContain('page=2');
    expect(url).toContain('state=ok');
    expect(url).toContain('token=[redacted]');
    // Every request that reached PostHog: events, flags, config.
    const sent = JSON.stringify(site.capture.requests.map((r) => r.body));
    expect(sent).toContain('[redacted]');
    const leaks = [...sent.matchAll(/"([^"]{0,40})":"[^"]{0,80}S3CRET[^"]{0,40}"/g)].map(
      (m) => m[0],
    );
    expect(leaks).toEqual([]);
    for (const secret of SECRETS) expect(sent).not.toContain(secret);
  }, 60_000);
});
