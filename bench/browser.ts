// The first-visit browser driver, started pinned to the load core by bench/scenarios/browser.ts
// (Chromium, launched from here, inherits the pinning):
//   node <bundle of this file>
// It starts a loopback capture server (test/helpers/capture-server.ts) and Chromium, prints
// {"capture": "<origin>"}, then reads one JSON line { rounds, targets: [{ variant, url }] }
// (bench servers whose PostHog host is that capture server), visits, and prints one JSON line:
// BrowserResult. It exits when stdin closes.
//
// A visit: a new browser context (cold cache), GET <url>/page; DOMContentLoaded from the
// page's navigation timing; the first $pageview request seen by Playwright, timed by the
// page's resource timing (both on the page's clock, from navigation start); three same-origin
// fetches of /__bench/ping, the fastest being one round trip. Then a second visit in the same
// context, counting at the server the requests for the boot script and the bundle.
import { createInterface } from 'node:readline';
import { gunzipSync } from 'node:zlib';
import type { Browser, Page } from 'playwright-core';
import { DESKTOP_CHROME_UA, launchChromium, waitForPosthog } from '../test/helpers/browser.js';
import { startCaptureServer } from '../test/helpers/capture-server.js';
import { bootSrc, findBundleUrl } from './lib/bundle-url.js';
import { rotate } from './lib/stats.js';

/** What the driver is asked to visit. */
export interface BrowserJob {
  readonly rounds: number;
  /** One uncounted visit per variant first (Chromium's own first-use costs). */
  readonly warmup: boolean;
  /** Variants and their servers' origins; `none` serves pages without a snippet. */
  readonly targets: readonly { readonly variant: string; readonly url: string }[];
}

/** Per variant, one value per round. */
export interface VisitFigures {
  dcl: number[];
  pageview: number[];
  rtt: number[];
  bootRepeat: number[];
  bundleRepeat: number[];
}

/** What the driver prints. */
export interface BrowserResult {
  readonly figures: Record<string, VisitFigures>;
  readonly notes: string[];
}

const PAGEVIEW_TIMEOUT_MS = 20_000;

/** A posthog-js request body as text: gzip, the base64 form encoding, or plain. */
function bodyText(raw: Buffer): string {
  try {
    if (raw.length > 2 && raw[0] === 0x1f && raw[1] === 0x8b) return gunzipSync(raw).toString();
    const text = raw.toString('utf8');
    if (text.startsWith('data=')) {
      const data = new URLSearchParams(text).get('data') ?? '';
      return Buffer.from(data, 'base64').toString('utf8');
    }
    return text;
  } catch {
    return '';
  }
}

/** Requests so far at the bench server, by path. */
async function counts(origin: string): Promise<Record<string, number>> {
  return (await (await fetch(`${origin}/__bench/requests`)).json()) as Record<string, number>;
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Resolves with the URL of the first request to `capture` whose body holds a $pageview. */
function firstPageview(page: Page, capture: string): Promise<string> {
  return new Promise((resolve) => {
    page.on('request', (request) => {
      if (request.method() !== 'POST' || !request.url().startsWith(capture)) return;
      const body = request.postDataBuffer();
      if (body && bodyText(body).includes('"$pageview"')) resolve(request.url());
    });
  });
}

interface Paths {
  readonly boot?: string;
  readonly bundle?: string;
}

/** The boot script's and the bundle's paths of a variant, read from its page. */
async function pathsOf(origin: string, variant: string): Promise<Paths> {
  if (variant === 'none') return {};
  const page = await (await fetch(`${origin}/page`, { headers: { accept: 'text/html' } })).text();
  const boot = bootSrc(page);
  const bundle = await findBundleUrl(page, async (path) =>
    (await fetch(`${origin}${path}`)).text(),
  );
  return { ...(boot ? { boot } : {}), bundle };
}

async function visit(
  browser: Browser,
  capture: string,
  variant: string,
  origin: string,
  paths: Paths,
  notes: string[],
): Promise<{
  dcl: number;
  pageview?: number;
  rtt: number;
  bootRepeat: number;
  bundleRepeat: number;
}> {
  const context = await browser.newContext({ userAgent: DESKTOP_CHROME_UA });
  try {
    const page = await context.newPage();
    page.on('pageerror', (error) => {
      if (notes.length < 20) notes.push(`${variant}: page error ${error.message}`);
    });
    const pageview = variant === 'none' ? undefined : firstPageview(page, capture);
    await page.goto(`${origin}/page`, { waitUntil: 'load' });
    let pageviewAt: number | undefined;
    if (pageview) {
      const url = await withTimeout(pageview, PAGEVIEW_TIMEOUT_MS, `${variant}: first $pageview`);
      await page.waitForFunction((name) => performance.getEntriesByName(name).length > 0, url);
      pageviewAt = await page.evaluate(
        (name) => performance.getEntriesByName(name)[0]!.startTime,
        url,
      );
    }
    const dcl = await page.evaluate(
      () =>
        (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming)
          .domContentLoadedEventStart,
    );
    const rtt = await page.evaluate(async () => {
      let best = Number.POSITIVE_INFINITY;
      for (let i = 0; i < 3; i += 1) {
        const start = performance.now();
        await (await fetch('/__bench/ping', { cache: 'no-store' })).text();
        best = Math.min(best, performance.now() - start);
      }
      return best;
    });
    const before = await counts(origin);
    await page.goto(`${origin}/page`, { waitUntil: 'load' });
    if (variant !== 'none') await waitForPosthog(page);
    const after = await counts(origin);
    const delta = (path: string | undefined) =>
      path === undefined ? 0 : (after[path] ?? 0) - (before[path] ?? 0);
    return {
      dcl,
      ...(pageviewAt !== undefined ? { pageview: pageviewAt } : {}),
      rtt,
      bootRepeat: delta(paths.boot),
      bundleRepeat: delta(paths.bundle),
    };
  } finally {
    await context.close();
  }
}

async function run(browser: Browser, capture: string, job: BrowserJob): Promise<BrowserResult> {
  const notes: string[] = [];
  const paths: Record<string, Paths> = {};
  const figures: Record<string, VisitFigures> = {};
  for (const { variant, url } of job.targets) {
    paths[variant] = await pathsOf(url, variant);
    figures[variant] = { dcl: [], pageview: [], rtt: [], bootRepeat: [], bundleRepeat: [] };
    if (variant !== 'none') {
      notes.push(
        `${variant}: boot script ${paths[variant]!.boot ?? '(none: no <script src> with the marker)'}, bundle ${paths[variant]!.bundle}`,
      );
    }
  }
  // One warm-up visit per variant (Chromium's own first-use costs), not counted.
  if (job.warmup) {
    for (const { variant, url } of job.targets) {
      await visit(browser, capture, variant, url, paths[variant]!, []);
    }
  }
  for (let round = 0; round < job.rounds; round += 1) {
    for (const { variant, url } of rotate(job.targets, round)) {
      const got = await visit(browser, capture, variant, url, paths[variant]!, notes);
      const f = figures[variant]!;
      f.dcl.push(got.dcl);
      if (got.pageview !== undefined) f.pageview.push(got.pageview);
      f.rtt.push(got.rtt);
      // Without a boot script to count, there is no figure (not a 0).
      if (paths[variant]!.boot !== undefined) f.bootRepeat.push(got.bootRepeat);
      f.bundleRepeat.push(got.bundleRepeat);
    }
  }
  return { figures, notes };
}

const capture = await startCaptureServer();
const browser = await launchChromium();
const lines = createInterface({ input: process.stdin });
lines.on('close', () => {
  void browser
    .close()
    .then(() => capture.close())
    .finally(() => process.exit(0));
});
lines.on('line', (line) => {
  run(browser, capture.url, JSON.parse(line) as BrowserJob).then(
    (result) => process.stdout.write(`${JSON.stringify(result)}\n`),
    (error: unknown) =>
      process.stdout.write(
        `${JSON.stringify({ error: error instanceof Error ? (error.stack ?? error.message) : String(error) })}\n`,
      ),
  );
});
process.stdout.write(`${JSON.stringify({ capture: capture.url })}\n`);
