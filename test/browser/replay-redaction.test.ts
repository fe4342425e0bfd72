/// <reference lib="dom" />
import express from 'express';
import { describe, expect, it } from 'vitest';
import type { InspectedEvent } from '../../src/apps/inspector/events.js';
import { sessionReplay } from '../../src/apps/inspector/replay.js';
import { REDACTED } from '../../src/core/redact/redact.js';
import { posthogSnippet } from '../../src/snippet/posthog-snippet.js';
import { waitForPosthog } from '../helpers/browser.js';
import { useBrowserSite } from '../helpers/browser-site.js';
import type { CapturedEvent } from '../helpers/capture-server.js';

/** Built at run time, so the page's source in this file is not itself a leaked secret. */
const K = ['SEK', 'RET'].join('');

/** Element attributes carrying a secret in a URL, as a real page may. */
const SECRET_ATTRIBUTES =
  `<a id="reset" href="/reset?token=${K}a1&amp;lang=en">reset</a>` +
  `<form id="login" action="/login?code=${K}a2"><button>go</button></form>` +
  `<img id="avatar" alt="" src="https://deploy:${K}a3@images.invalid/x.png">` +
  `<iframe id="embed" src="https://embed.invalid/view#access_token=${K}a4&amp;x=1"></iframe>` +
  `<img id="hero" alt="" srcset="/a.png?sig=${K}a5 1x, /b.png 2x">` +
  `<div id="banner" style="background-image: url('/bg.png?token=${K}a6')">banner</div>` +
  `<a id="next" data-href="/r?next=%2Freset%3Ftoken%3D${K}a7">next</a>`;

/** A page's own secrets outside URLs: a CSRF token in a <meta> and in a hidden form field. */
const SECRET_HEAD = `<meta id="csrf" name="csrf-token" content="${K}h1">`;
const SECRET_FORM = `<form id="edit" action="/edit"><input id="csrf-field" type="hidden" name="_csrf" value="${K}h2"><button id="pay" data-token="${K}h3" data-id="42">save</button></form>`;

/** Harmless attributes: they must arrive as the page had them. */
const HARMLESS =
  '<a id="docs" href="/docs?page=2&amp;sort=asc#intro">docs</a>' +
  // A form whose `name` property is its control named "name", not a string.
  '<form id="shadowed" content="plain"><input name="name"></form>' +
  '<img id="logo" alt="" src="/logo.png?v=3">' +
  '<div id="plain" style="color: red; background-image: url(\'/tile.png?v=1\')">plain</div>';

const site = useBrowserSite(
  { jsSrc: 'self' },
  (client) => {
    const app = express();
    app.use(posthogSnippet({ client }));
    app.get('/page', (_req, res) => {
      res
        .type('html')
        .send(
          `<!DOCTYPE html><html><head><title>replay</title>${SECRET_HEAD}<meta id="about" name="description" content="Orders and invoices"></head><body><main>${SECRET_ATTRIBUTES}${SECRET_FORM}${HARMLESS}</main></body></html>`,
        );
    });
    return app;
  },
  { replay: true },
);

/** The captured `$snapshot` events as the inspector stores them, for its own decoder. */
function asInspected(events: readonly CapturedEvent[]): InspectedEvent[] {
  return events.map((e, id) => ({
    id,
    receivedAt: '',
    endpoint: '/s/',
    source: 'browser',
    event: e.event,
    distinctId: e.distinct_id,
    sessionId: String(e.properties.$session_id),
    timestamp: undefined,
    properties: e.properties,
    bytes: 0,
  }));
}

/** Every attribute of every recorded element, full snapshots and mutations, by element id. */
function recordedAttributes(rrwebEvents: readonly unknown[]): Map<string, Record<string, string>> {
  const byId = new Map<string, Record<string, string>>();
  const nodeIds = new Map<number, string>();
  const visit = (node: unknown): void => {
    if (!node || typeof node !== 'object') return;
    const n = node as { id?: number; attributes?: Record<string, string>; childNodes?: unknown[] };
    const name = n.attributes?.id;
    if (name !== undefined && n.id !== undefined) {
      nodeIds.set(n.id, name);
      byId.set(name, { ...byId.get(name), ...n.attributes });
    }
    for (const child of n.childNodes ?? []) visit(child);
  };
  for (const event of rrwebEvents as { type: number; data: any }[]) {
    if (event.type === 2) visit(event.data?.node);
    if (event.type === 3 && event.data?.source === 0) {
      for (const add of event.data.adds ?? []) visit(add.node);
      for (const change of event.data.attributes ?? []) {
        const name = nodeIds.get(change.id);
        if (name !== undefined) byId.set(name, { ...byId.get(name), ...change.attributes });
      }
    }
  }
  return byId;
}

describe('session replay in Chromium with the real posthog-js: URLs in element attributes', () => {
  it('records no secret of an href, action, src, srcset, style url(), data-href, secret-named attribute or <meta>, or hidden field, in full snapshots and mutations; harmless attributes as they were', async () => {
    const sessionId = await site.withPage(async (page) => {
      await page.goto(`${site.url}/page`);
      await waitForPosthog(page);
      await page.waitForFunction(
        () => (window as any).posthog.sessionRecordingStarted?.() === true,
      );
      // Mutations: a new element, and a changed attribute of an existing one.
      await page.evaluate((k) => {
        document
          .querySelector('main')
          ?.insertAdjacentHTML('beforeend', `<a id="added" href="/later?token=${k}m1">later</a>`);
        document.getElementById('docs')?.setAttribute('data-url', `/x?api_key=${k}m2&ok=1`);
        // An app refreshing its CSRF token in place.
        document.getElementById('csrf')?.setAttribute('content', `${k}m3`);
      }, K);
      for (const x of [200, 400, 600]) await page.mouse.click(x, 580);
      const id: string = await page.evaluate(() => (window as any).posthog.get_session_id());
      // The mutation reached the capture host (the recording is sent every few seconds).
      await expect
        .poll(
          async () => {
            const replay = await sessionReplay(
              asInspected(site.capture.events.filter((e) => e.event === '$snapshot')),
              id,
              { maxBytes: 50_000_000, maxDepth: 200, maxObjects: 1_000_000 },
            );
            return recordedAttributes(replay.events).get('docs')?.['data-url'] ?? null;
          },
          { timeout: 30_000, interval: 500 },
        )
        .not.toBeNull();
      return id;
    });
    const snapshots = site.capture.events.filter((e) => e.event === '$snapshot');
    const replay = await sessionReplay(asInspected(snapshots), sessionId, {
      maxBytes: 50_000_000,
      maxDepth: 200,
      maxObjects: 1_000_000,
    });
    expect(replay.problems).toEqual([]);
    // posthog-js compresses snapshots before they leave: the secret is not in the raw bytes either way.
    const decoded = JSON.stringify(replay.events);
    expect(decoded).toContain('later');
    expect(decoded).not.toContain(K);
    const attributes = recordedAttributes(replay.events);
    const origin = site.url;
    expect(attributes.get('reset')?.href).toBe(`${origin}/reset?token=${REDACTED}&lang=en`);
    expect(attributes.get('login')?.action).toBe(`/login?code=${REDACTED}`);
    expect(attributes.get('avatar')?.src).toBe('https://[redacted]@images.invalid/x.png');
    expect(attributes.get('embed')?.rr_src).toBe(
      `https://embed.invalid/view#access_token=${REDACTED}&x=1`,
    );
    expect(attributes.get('hero')?.srcset).toBe(
      `${origin}/a.png?sig=${REDACTED} 1x, ${origin}/b.png 2x`,
    );
    expect(attributes.get('banner')?.style).toBe(
      `background-image: url('${origin}/bg.png?token=${REDACTED}')`,
    );
    expect(attributes.get('next')?.['data-href']).toContain(`token%3D${REDACTED}`);
    expect(attributes.get('added')?.href).toBe(`${origin}/later?token=${REDACTED}`);
    expect(attributes.get('docs')?.['data-url']).toBe(`/x?api_key=${REDACTED}&ok=1`);
    // A <meta> named like a secret: its content redacted; a hidden field: masked by replay.
    expect(attributes.get('csrf')?.content).toBe(REDACTED);
    expect(attributes.get('csrf-field')?.value).toMatch(/^\*+$/);
    expect(attributes.get('about')?.content).toBe('Orders and invoices');
    expect(attributes.get('pay')?.['data-token']).toBe(REDACTED);
    expect(attributes.get('pay')?.['data-id']).toBe('42');
    expect(attributes.get('shadowed')?.content).toBe('plain');
    // Harmless attributes: as rrweb records them (URLs made absolute), not one byte changed.
    expect(attributes.get('docs')?.href).toBe(`${origin}/docs?page=2&sort=asc#intro`);
    expect(attributes.get('logo')?.src).toBe(`${origin}/logo.png?v=3`);
    expect(attributes.get('plain')?.style).toBe(
      `color: red; background-image: url('${origin}/tile.png?v=1')`,
    );
  }, 90_000);
});
