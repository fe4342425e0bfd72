import { type Browser, chromium, type Page } from 'playwright-core';

/** A desktop Chrome user agent: posthog-js drops events from browsers that look automated. */
export const DESKTOP_CHROME_UA =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36';

/**
 * Launches Debian's headless Chromium the way posthog-js accepts: without
 * `--enable-automation` and with automation-controlled blink features off.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    ignoreDefaultArgs: ['--enable-automation'],
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-blink-features=AutomationControlled',
      '--disable-component-update',
      '--no-first-run',
    ],
  });
}

/** Waits until posthog-js on `page` has loaded (its `loaded` callback ran). */
export async function waitForPosthog(page: Page, timeout = 10_000): Promise<void> {
  await page.waitForFunction(
    () => (globalThis as { posthog?: { __loaded?: boolean } }).posthog?.__loaded === true,
    undefined,
    { timeout },
  );
}
