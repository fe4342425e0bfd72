import { readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import fc from 'fast-check';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { isCrossSite } from '../../../src/apps/inspector/host.js';
import { posthogInspector } from '../../../src/apps/inspector/index.js';
import { getPosthog, resetPosthog } from '../../../src/core/client/index.js';
import { type CaptureServer, startCaptureServer } from '../../helpers/capture-server.js';
import type { RecordingLogger } from '../../helpers/logger.js';
import { type ExistingApp, startExistingApp, waitForInspected } from './existing-app.js';
import { devConfig, serveInspector } from './helpers.js';

let app: ExistingApp | undefined;
let capture: CaptureServer | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});
afterAll(async () => {
  await capture?.close();
});

describe('app.use(posthogInspector()) in an existing app, no variables set', {
  timeout: 40_000,
}, () => {
  it('points the server client at the inspector: a route that throws is a $exception the inspector lists', async () => {
    app = await startExistingApp();
    const failed = await fetch(`${app.url}/checkout`, { headers: { accept: 'application/json' } });
    expect(failed.status).toBe(500);
    const exception = await waitForInspected(app.url, '$exception');
    expect(exception).toMatchObject({ source: 'server', endpoint: '/batch/' });
    expect(exception.properties).toMatchObject({
      environment: 'local',
      $current_url: `${app.url}/checkout`,
    });
    expect(JSON.stringify(exception.properties.$exception_list)).toContain('checkout failed');
    expect(app.output()).toBe('');
    // One more, still queued when the app stops: the inspector dies with the process, so the
    // shutdown drops it at once instead of waiting out the bound and warning.
    expect((await fetch(`${app.url}/checkout`)).status).toBe(500);
    const stopping = performance.now();
    await app.stop();
    expect(performance.now() - stopping).toBeLessThan(1_500);
    expect(app.output()).toBe('');
  });

  it('points the snippet at the inspector, same origin, with the bot filter off', async () => {
    app = await startExistingApp();
    const page = await (await fetch(`${app.url}/`, { headers: { accept: 'text/html' } })).text();
    const boot = /src="(\/_posthog\/boot\.[0-9a-f]+\.js)"/.exec(page)?.[1];
    expect(boot).toBeDefined();
    const code = await (await fetch(`${app.url}${boot}`)).text();
    expect(code).toContain('"api_host":"/_inspector"');
    expect(code).toContain('"opt_out_useragent_filter":true');
    // posthog-js is installed here: it is served by the app, so the page works offline.
    expect(code).toMatch(/"src":"array\.full\.[0-9a-f]+\.js"/);
    const inspectorPage = await fetch(`${app.url}/_inspector/`);
    expect(inspectorPage.status).toBe(200);
    expect(await inspectorPage.text()).toContain('PostHog inspector');
    const json = await fetch(`${app.url}/api/health`);
    expect(await json.json()).toEqual({ ok: true });
  });
});

describe('the same app with a real key', { timeout: 40_000 }, () => {
  it('starts, serves, logs one line saying where events go, and its events reach the capture host', async () => {
    capture = await startCaptureServer();
    app = await startExistingApp({
      POSTHOG_API_KEY: 'phc_real_project',
      POSTHOG_HOST: capture.url,
    });
    const page = await (await fetch(`${app.url}/`, { headers: { accept: 'text/html' } })).text();
    expect(page).toContain('data-express-posthog');
    expect((await fetch(`${app.url}/_inspector/api/events`)).status).toBe(404);
    expect((await fetch(`${app.url}/checkout`)).status).toBe(500);
    const [exception] = await capture.waitForEvents(1, (e) => e.event === '$exception', 15_000);
    expect(JSON.stringify(exception?.properties.$exception_list)).toContain('checkout failed');
    expect(app.output().trim().split('\n')).toEqual([
      `[express-posthog] posthogInspector: not mounted, because POSTHOG_API_KEY is set: events go to PostHog at ${capture.url}. Unset POSTHOG_API_KEY to see them in the local inspector instead.`,
    ]);
  });

  it('in production starts too, and says in one line that the inspector is not mounted', async () => {
    app = await startExistingApp({ NODE_ENV: 'production' });
    expect((await fetch(`${app.url}/`)).status).toBe(200);
    expect((await fetch(`${app.url}/_inspector/`)).status).toBe(404);
    expect(app.output().trim().split('\n')).toEqual([
      expect.stringMatching(/posthogInspector: not mounted, because NODE_ENV=production/),
    ]);
  });
});

describe('registered after the client was in use', () => {
  it('warns once that middlewares created earlier send nowhere, and says where to put the line', async () => {
    await resetPosthog();
    getPosthog(); // what posthogSnippet() does when it is created
    const config = devConfig();
    posthogInspector({ config });
    expect((config.logger as RecordingLogger).warnings()).toEqual([
      'posthogInspector: the PostHog client was in use before the inspector was registered, so middlewares created earlier (posthogSnippet()) send nowhere. Register app.use(posthogInspector()) before the other PostHog middlewares.',
    ]);
    expect(getPosthog().config.apiKey).toBe('phc_local_inspector');
    const fresh = devConfig();
    posthogInspector({ config: fresh });
    expect((fresh.logger as RecordingLogger).lines).toEqual([]);
    await resetPosthog();
  });
});

describe("posthog-js's lazy files", () => {
  it('serves the installed recorder for its version, and the CDN one for any other, so replay records either way', async () => {
    const site = await serveInspector();
    const installed = JSON.parse(
      readFileSync(join(process.cwd(), 'node_modules/posthog-js/package.json'), 'utf8'),
    ).version as string;
    try {
      const local = await fetch(`${site.url}/_inspector/static/recorder.js?v=${installed}`);
      expect(local.status).toBe(200);
      expect(local.headers.get('content-type')).toMatch(/javascript/);
      expect((await local.text()).length).toBeGreaterThan(10_000);
      const other = await fetch(`${site.url}/_inspector/static/recorder.js?v=1.200.0`, {
        redirect: 'manual',
      });
      expect(other.status).toBe(302);
      expect(other.headers.get('location')).toBe(
        'https://eu-assets.i.posthog.com/static/recorder.js?v=1.200.0',
      );
    } finally {
      await site.close();
    }
  });
});

describe('the inspector refuses writes from other sites', () => {
  const event = JSON.stringify({ event: 'forged', properties: { distinct_id: 'x' } });

  it('stores nothing of a cross-site text/plain POST, a form as any page can send', async () => {
    const site = await serveInspector();
    try {
      const forged = await fetch(`${site.url}/_inspector/e/`, {
        method: 'POST',
        body: event,
        headers: {
          'content-type': 'text/plain',
          origin: 'https://attacker.example',
          'sec-fetch-site': 'cross-site',
        },
      });
      expect(forged.status).toBe(403);
      expect((await forged.json()).detail).toMatch(/"https:\/\/attacker\.example", another site/);
      const sameOrigin = await fetch(`${site.url}/_inspector/e/`, {
        method: 'POST',
        body: event,
        headers: { 'content-type': 'text/plain', 'sec-fetch-site': 'same-origin' },
      });
      expect(sameOrigin.status).toBe(200);
      expect(site.inspector.store.list().map((e) => e.event)).toEqual(['forged']);
    } finally {
      await site.close();
    }
  });

  it('grants no preflight to a cross-site JSON batch, and refuses the batch if sent anyway', async () => {
    const site = await serveInspector();
    try {
      const preflight = await fetch(`${site.url}/_inspector/batch/`, {
        method: 'OPTIONS',
        headers: {
          origin: 'https://attacker.example',
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type',
        },
      });
      expect(preflight.status).toBe(403);
      expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
      const batch = await fetch(`${site.url}/_inspector/batch/`, {
        method: 'POST',
        body: JSON.stringify({ batch: [JSON.parse(event)] }),
        headers: { 'content-type': 'application/json', origin: 'https://attacker.example' },
      });
      expect(batch.status).toBe(403);
      expect(batch.headers.get('access-control-allow-origin')).toBeNull();
      expect(site.inspector.store.list()).toEqual([]);
    } finally {
      await site.close();
    }
  });

  it('refuses every write whose Origin is not the request host (property)', async () => {
    await fc.assert(
      fc.property(
        fc.webUrl({ withQueryParameters: false, withFragments: false }),
        fc.constantFrom('localhost:3000', '127.0.0.1:3000', '[::1]:3000'),
        (origin, host) => {
          const crossSite = isCrossSite({ origin, host });
          expect(crossSite).toBe(new URL(origin).host !== host);
          // With Sec-Fetch-Site, the browser's own verdict decides.
          expect(isCrossSite({ origin, host, 'sec-fetch-site': 'cross-site' })).toBe(true);
          expect(isCrossSite({ origin, host, 'sec-fetch-site': 'same-site' })).toBe(true);
          expect(isCrossSite({ origin, host, 'sec-fetch-site': 'same-origin' })).toBe(false);
        },
      ),
    );
  });
});

/** This machine's first non-loopback IPv4 address, if it has one. */
function networkAddress(): string | undefined {
  for (const list of Object.values(networkInterfaces())) {
    for (const entry of list ?? []) {
      if (entry.family === 'IPv4' && !entry.internal) return entry.address;
    }
  }
  return undefined;
}

describe('the inspector and the network', () => {
  const address = networkAddress();

  it.skipIf(address === undefined)(
    'refuses a request that arrived on a non-loopback interface, whatever its Host, unless allowRemote',
    async () => {
      const { createServer } = await import('node:http');
      const serveOn = async (allowRemote: boolean) => {
        const web = express();
        web.use(posthogInspector({ config: devConfig(), allowRemote }));
        const server = createServer(web);
        await new Promise<void>((resolve) => server.listen(0, '0.0.0.0', resolve));
        const { port } = server.address() as { port: number };
        return { server, port };
      };
      const closed = await serveOn(false);
      const open = await serveOn(true);
      try {
        const { request } = await import('node:http');
        const get = (port: number, host: string) =>
          new Promise<{ status: number; body: string }>((resolve, reject) => {
            const req = request(
              { host: address, port, path: '/_inspector/api/events', headers: { host } },
              (res) => {
                let body = '';
                res.on('data', (chunk) => {
                  body += chunk;
                });
                res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
              },
            );
            req.on('error', reject);
            req.end();
          });
        const refused = await get(closed.port, 'localhost');
        expect(refused.status).toBe(403);
        expect(JSON.parse(refused.body).detail).toContain(
          `arrived on ${address}, from another machine or outside the app's container. If that is on purpose, pass posthogInspector({ allowRemote: true })`,
        );
        expect((await get(open.port, 'localhost')).status).toBe(200);
        const loopback = await fetch(`http://127.0.0.1:${closed.port}/_inspector/api/events`);
        expect(loopback.status).toBe(200);
      } finally {
        for (const { server } of [closed, open]) {
          server.closeAllConnections();
          server.close();
        }
      }
    },
  );
});
