import type { RequestListener } from 'node:http';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import type { PosthogClient } from '../../src/core/client/index.js';
import type { PosthogConfigOptions } from '../../src/core/config/types.js';
import { DESKTOP_CHROME_UA, launchChromium } from './browser.js';
import { type CaptureServer, startCaptureServer } from './capture-server.js';
import { enabledClient } from './client.js';
import type { RecordingLogger } from './logger.js';
import { serve } from './serve.js';

/** An app served on loopback, a capture server as its PostHog host, and real Chromium. */
/**
 * The browser suites that must not change with the consent mode run once per mode and delivery
 * (docs/observability.md, "Consent"): `describe.each(CONSENT_DELIVERIES)`.
 */
export const CONSENT_DELIVERIES = [
  ['granted', 'boot'],
  ['granted', 'inline'],
  ['ask', 'boot'],
  ['ask', 'inline'],
] as const;

export interface BrowserSite {
  readonly capture: CaptureServer;
  readonly client: PosthogClient;
  /** What the client's logger recorded. */
  readonly logger: RecordingLogger;
  readonly browser: Browser;
  /** The app's origin. */
  readonly url: string;
  /** Runs `fn` with a page in a fresh browser context (desktop Chrome UA), closed after. */
  withPage<T>(fn: (page: Page) => Promise<T>): Promise<T>;
}

/**
 * Registers `beforeAll`/`afterAll` hooks that start a capture server, an enabled client
 * posting to it (with `options`), the app `buildApp` makes, and Chromium; and stop them all.
 */
export function useBrowserSite(
  options: PosthogConfigOptions,
  buildApp: (client: PosthogClient, capture: CaptureServer) => RequestListener,
  captureOptions: Parameters<typeof startCaptureServer>[0] = {},
): BrowserSite {
  let state:
    | {
        capture: CaptureServer;
        client: PosthogClient;
        logger: RecordingLogger;
        browser: Browser;
        site: { url: string; close(): Promise<void> };
      }
    | undefined;
  const get = () => {
    if (!state) throw new Error('useBrowserSite: the site exists only inside the suite');
    return state;
  };
  beforeAll(async () => {
    const capture = await startCaptureServer(captureOptions);
    const { client, logger } = enabledClient(capture.url, options);
    const site = await serve(buildApp(client, capture));
    state = { capture, client, logger, site, browser: await launchChromium() };
  }, 60_000);
  afterAll(async () => {
    await state?.browser.close();
    await state?.site.close();
    await state?.client.shutdown(200);
    await state?.capture.close();
    state = undefined;
  });
  return {
    get capture() {
      return get().capture;
    },
    get client() {
      return get().client;
    },
    get logger() {
      return get().logger;
    },
    get browser() {
      return get().browser;
    },
    get url() {
      return get().site.url;
    },
    async withPage(fn) {
      const context = await get().browser.newContext({ userAgent: DESKTOP_CHROME_UA });
      try {
        return await fn(await context.newPage());
      } finally {
        await context.close();
      }
    },
  };
}
