/// <reference lib="dom" />
import type { AddressInfo } from 'node:net';
import express from 'express';
import fc from 'fast-check';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { posthogSnippet } from '../../src/snippet/posthog-snippet.js';
import { launchChromium } from '../helpers/browser.js';
import { enabledClient } from '../helpers/client.js';
import { trickyHtml } from '../helpers/html-corpus.js';

// A fixed sample of the property tests' corpus, so the run is the same every time.
const DOCUMENTS = fc.sample(trickyHtml, { numRuns: 30, seed: 20261201 });
const { client } = enabledClient('http://127.0.0.1:9');

let browser: Browser;
let page: Page;
let errors: string[] = [];
let base = '';
let close: () => void = () => {};

beforeAll(async () => {
  const app = express();
  app.get('/plain/:i', (req, res) => res.type('html').send(DOCUMENTS[Number(req.params.i)]));
  app.use('/snippet', posthogSnippet({ client }));
  app.get('/snippet/:i', (req, res) => res.type('html').send(DOCUMENTS[Number(req.params.i)]));
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  close = () => server.close();
  browser = await launchChromium();
  page = await browser.newPage();
  page.on('pageerror', (error) => errors.push(error.message));
  await page.addInitScript(() => {
    (window as unknown as { __ran: string[] }).__ran = [];
  });
  // posthog-js itself is not served here: only the page's own scripts and the snippet's run.
  await page.route(/array\.js/, (route) => route.abort());
}, 30_000);

afterAll(async () => {
  await browser?.close();
  close();
  await client.shutdown(100);
});

/** What a page's scripts did: which ran, in order, the errors thrown, and whether the snippet ran. */
async function visit(url: string) {
  errors = [];
  await page.goto(url, { waitUntil: 'load' });
  const result = await page.evaluate(() => ({
    ran: (window as unknown as { __ran: string[] }).__ran,
    snippet: typeof (window as unknown as { posthog?: unknown }).posthog === 'object',
  }));
  return { ...result, errors };
}

describe('in Chromium, pages from the tricky-HTML corpus', () => {
  it('run their own scripts exactly as without the package, and the snippet’s where it went in', async () => {
    let injected = 0;
    for (const [index, html] of DOCUMENTS.entries()) {
      const plain = await visit(`${base}/plain/${index}`);
      const withSnippet = await visit(`${base}/snippet/${index}`);
      expect(withSnippet.ran, html).toEqual(plain.ran);
      expect(withSnippet.errors, html).toEqual(plain.errors);
      const response = await fetch(`${base}/snippet/${index}`, {
        headers: { accept: 'text/html' },
      });
      const hasSnippet = (await response.text()).includes('<script data-express-posthog=');
      expect(withSnippet.snippet, html).toBe(hasSnippet);
      if (hasSnippet) injected++;
    }
    // The sample holds both pages that get the snippet and fragments that are left alone.
    expect(injected).toBeGreaterThan(5);
    expect(injected).toBeLessThan(DOCUMENTS.length);
  }, 120_000);
});
