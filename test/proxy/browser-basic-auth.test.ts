import { readFileSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import { fileURLToPath } from 'node:url';
import express from 'express';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PosthogClient } from '../../src/core/client/index.js';
import { posthogProxy } from '../../src/proxy/index.js';
import { DESKTOP_CHROME_UA, launchChromium } from '../helpers/browser.js';
import { type CaptureServer, startCaptureServer } from '../helpers/capture-server.js';
import { enabledClient } from '../helpers/client.js';
import { serve } from '../helpers/serve.js';
import { startUpstream, type Upstream } from './upstream.js';

const USER = 'appuser';
const PASSWORD = 'app-password-secret';
const BASIC = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;

/** What the page's requests to the proxy carry, as the browser sends them: none may reach PostHog. */
const SECRETS = {
  authorization: BASIC,
  cookie: 'session-cookie-secret',
  jsCookie: 'js-cookie-secret',
  referer: 'page-query-secret',
  apiKey: 'x-api-key-secret',
  csrf: 'csrf-token-secret',
};

/** A page that talks to the proxy the way posthog-js does: fetch with a text/plain body, and a beacon. */
const PAGE = `<!doctype html><html><head><title>app</title></head><body><script>
document.cookie = 'ph_phc_test_posthog=${SECRETS.jsCookie}; path=/';
window.sent = (async () => {
  const body = JSON.stringify({ event: '$pageview', properties: { token: 'phc_test' } });
  await fetch('/ingest/e/?compression=gzip-js', {
    method: 'POST',
    body,
    headers: { 'Content-Type': 'text/plain', 'X-Api-Key': '${SECRETS.apiKey}', 'X-CSRF-Token': '${SECRETS.csrf}' },
  });
  await fetch('/ingest/flags/?v=2&config=true', { method: 'POST', body: '{"token":"phc_test"}' });
  await fetch('/ingest/array/phc_test/config');
  navigator.sendBeacon('/ingest/e/?beacon=1', new Blob([body], { type: 'text/plain' }));
  return 'sent';
})();
</script></body></html>`;

let api: Upstream;
let client: PosthogClient;
let browser: Browser;
let site: { url: string; close(): Promise<void> };
/** The proxy's requests as the app saw them (in front of the proxy): what the browser sent. */
const appSaw: { url: string; headers: IncomingHttpHeaders }[] = [];

beforeAll(async () => {
  api = await startUpstream('api');
  // The paths and pages of this file name the key `phc_test`.
  ({ client } = enabledClient(api.url, { apiKey: 'phc_test' }));
  const app = express();
  app.use(function recordBrowserRequests(req, _res, next) {
    if (req.url.startsWith('/ingest/')) appSaw.push({ url: req.url, headers: { ...req.headers } });
    next();
  });
  app.use(function basicAuth(req, res, next) {
    if (req.headers.authorization === BASIC) {
      next();
      return;
    }
    res.set('WWW-Authenticate', 'Basic realm="app"').status(401).type('text/plain').send('login');
  });
  app.use(posthogProxy({ client, path: '/ingest', assetsHost: api.url }));
  app.get('/', function page(_req, res) {
    res.cookie('session', SECRETS.cookie, { httpOnly: true });
    res.type('html').send(PAGE);
  });
  site = await serve(app);
  browser = await launchChromium();
}, 30_000);

afterAll(async () => {
  await browser?.close();
  await site?.close();
  await client?.shutdown(100);
  await api?.close();
});

describe('posthogProxy behind HTTP Basic auth, in Chromium', () => {
  it("never passes the browser's Authorization, cookies, Referer or custom credentials to PostHog", async () => {
    // The browser answers the 401 challenge with these credentials, then attaches them
    // itself to every same-origin request under `/`, fetches and beacons included.
    const context = await browser.newContext({
      userAgent: DESKTOP_CHROME_UA,
      httpCredentials: { username: USER, password: PASSWORD },
    });
    try {
      const page = await context.newPage();
      await page.goto(`${site.url}/?token=${SECRETS.referer}`);
      expect(await page.evaluate(() => (globalThis as { sent?: Promise<string> }).sent)).toBe(
        'sent',
      );
      await expect.poll(() => api.seen.length, { timeout: 5000 }).toBe(4);

      // The browser did send them to the proxy (else this test could not fail)…
      expect(appSaw.map((r) => r.url.slice('/ingest'.length)).sort()).toEqual(
        api.seen.map((r) => r.url).sort(),
      );
      for (const sent of appSaw) {
        expect(sent.headers.authorization, sent.url).toBe(BASIC);
        expect(sent.headers.cookie, sent.url).toContain(SECRETS.cookie);
        expect(sent.headers.cookie, sent.url).toContain(SECRETS.jsCookie);
        expect(sent.headers.referer, sent.url).toContain(SECRETS.referer);
      }
      expect(appSaw.find((r) => r.url.startsWith('/ingest/e/?compression'))?.headers).toMatchObject(
        {
          'x-api-key': SECRETS.apiKey,
          'x-csrf-token': SECRETS.csrf,
        },
      );

      // …and PostHog got none of them.
      for (const seen of api.seen) {
        const arrived = JSON.stringify(seen.headers);
        for (const [name, secret] of Object.entries(SECRETS)) {
          expect(arrived, `${name} reached PostHog on ${seen.url}`).not.toContain(secret);
        }
        expect(seen.headers.authorization).toBeUndefined();
        expect(seen.headers.cookie).toBeUndefined();
        expect(seen.headers.referer).toBeUndefined();
        expect(seen.headers['x-forwarded-for']).toBe('127.0.0.1');
      }
      const beacon = api.seen.find((r) => r.url === '/e/?beacon=1');
      expect(beacon?.headers['content-type']).toMatch(/^text\/plain/);
      expect(beacon?.body.toString()).toContain('$pageview');
    } finally {
      await context.close();
    }
  });
});

/** A page running the real posthog-js with the proxy as `api_host`. */
const POSTHOG_PAGE = `<!doctype html><html><head><title>app</title>
<script src="/posthog.js"></script>
<script>
posthog.init('phc_test', {
  api_host: '/ingest',
  ui_host: 'https://eu.posthog.com',
  person_profiles: 'identified_only',
  capture_pageview: true,
  autocapture: false,
  disable_session_recording: true,
  request_batching: false,
  loaded: (ph) => ph.capture('proxy_test', { via: 'proxy' }),
});
</script></head><body>app</body></html>`;

describe('posthogProxy behind HTTP Basic auth, with the real posthog-js', () => {
  let capture: CaptureServer;
  let site: { url: string; close(): Promise<void> };
  let client: PosthogClient;
  const browserSent: { url: string; headers: IncomingHttpHeaders }[] = [];

  beforeAll(async () => {
    capture = await startCaptureServer();
    // The paths and pages of this file name the key `phc_test`.
    ({ client } = enabledClient(capture.url, { apiKey: 'phc_test' }));
    const bundle = readFileSync(
      fileURLToPath(import.meta.resolve('posthog-js/dist/array.full.js')),
      'utf8',
    );
    const app = express();
    app.use(function recordBrowserRequests(req, _res, next) {
      if (req.url.startsWith('/ingest/')) {
        browserSent.push({ url: req.url, headers: { ...req.headers } });
      }
      next();
    });
    app.use(function basicAuth(req, res, next) {
      if (req.headers.authorization === BASIC) {
        next();
        return;
      }
      res.set('WWW-Authenticate', 'Basic realm="app"').status(401).type('text/plain').send('login');
    });
    app.use(posthogProxy({ client, path: '/ingest', assetsHost: capture.url }));
    app.get('/posthog.js', (_req, res) => {
      res.type('application/javascript').send(bundle);
    });
    app.get('/', (_req, res) => {
      res.cookie('session', SECRETS.cookie, { httpOnly: true });
      res.type('html').send(POSTHOG_PAGE);
    });
    site = await serve(app);
  });

  afterAll(async () => {
    await site?.close();
    await client?.shutdown(100);
    await capture?.close();
  });

  it("delivers posthog-js's events through the proxy, and PostHog sees none of the app's credentials", async () => {
    const context = await browser.newContext({
      userAgent: DESKTOP_CHROME_UA,
      httpCredentials: { username: USER, password: PASSWORD },
    });
    const answers: { url: string; status: number; headers: Record<string, string> }[] = [];
    try {
      const page = await context.newPage();
      page.on('response', (response) => {
        if (new URL(response.url()).pathname.startsWith('/ingest/')) {
          answers.push({
            url: response.url(),
            status: response.status(),
            headers: response.headers(),
          });
        }
      });
      await page.goto(`${site.url}/?token=${SECRETS.referer}`);
      const events = await capture.waitForEvents(2, undefined, 10_000);
      expect(events.map((e) => e.event).sort()).toEqual(['$pageview', 'proxy_test']);
      await page.waitForLoadState('networkidle');
      expect(answers.length).toBe(browserSent.length);

      // Every request posthog-js made through the proxy is on its list, and was answered.
      const paths = browserSent.map((r) => r.url.split('?')[0]);
      expect(paths).toEqual(expect.arrayContaining(['/ingest/e/', '/ingest/flags/']));
      for (const answer of answers) {
        expect(answer.status, answer.url).toBeLessThan(400);
        const names = Object.keys(answer.headers);
        expect(
          names.filter((n) => /^access-control-|^set-cookie$/.test(n)),
          answer.url,
        ).toEqual([]);
      }
      // The browser attached the app's credentials to them…
      for (const sent of browserSent) {
        expect(sent.headers.authorization, sent.url).toBe(BASIC);
        expect(sent.headers.cookie, sent.url).toContain(SECRETS.cookie);
      }
      // …and PostHog got none of them.
      expect(capture.requests.length).toBe(browserSent.length);
      for (const seen of capture.requests) {
        const arrived = JSON.stringify(seen.headers);
        expect(arrived, seen.path).not.toContain(SECRETS.authorization);
        expect(arrived, seen.path).not.toContain(SECRETS.cookie);
        expect(arrived, seen.path).not.toContain(SECRETS.referer);
        expect(seen.headers['x-forwarded-for'], seen.path).toBe('127.0.0.1');
      }
    } finally {
      await context.close();
    }
  });
});
