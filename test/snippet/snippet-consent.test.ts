import express from 'express';
import fc from 'fast-check';
import request from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import type { ConsentMode } from '../../src/core/config/types.js';
import { isPrivateToUser } from '../../src/core/http/shared-cache.js';
import { posthogSnippet } from '../../src/snippet/posthog-snippet.js';
import { OWNED_BROWSER_OPTIONS } from '../../src/snippet/render.js';
import { posthogUser } from '../../src/user/index.js';
import { enabledClient, TEST_PROJECT_KEY } from '../helpers/client.js';
import { bootUrlOf, PAGE, snippetIdentityOf } from '../helpers/html.js';

const clients = Object.fromEntries(
  (['granted', 'ask', 'cookieless'] as const).map((consent) => [
    consent,
    enabledClient('http://127.0.0.1:9', { consent }).client,
  ]),
) as Record<ConsentMode, ReturnType<typeof enabledClient>['client']>;
afterAll(() => Promise.all(Object.values(clients).map((c) => c.shutdown(100))));

const CONSENT = {
  none: undefined,
  yes: `__ph_opt_in_out_${TEST_PROJECT_KEY}=1`,
  no: `__ph_opt_in_out_${TEST_PROJECT_KEY}=0`,
} as const;

/** A page served to a logged-in user, with the app's `Cache-Control` (none when undefined). */
function site(consent: ConsentMode, cacheControl?: string) {
  const client = clients[consent];
  const app = express();
  app.use(posthogSnippet({ client }));
  app.use(posthogUser({ client, getUser: () => ({ id: 'u-7', email: 'u7@example.com' }) }));
  app.get('/', (_req, res) => {
    if (cacheControl !== undefined) res.setHeader('Cache-Control', cacheControl);
    res.type('html').send(PAGE);
  });
  return app;
}

async function get(app: express.Express, cookie: string | undefined) {
  const req = request(app).get('/').set('Accept', 'text/html');
  return cookie === undefined ? req : req.set('Cookie', cookie);
}

describe('a page and the consent cookie', () => {
  it("in mode ask, carries the user's identity (private) until the visitor refuses", async () => {
    const app = site('ask');
    const pending = await get(app, CONSENT.none);
    const granted = await get(app, CONSENT.yes);
    const refused = await get(app, CONSENT.no);
    expect(snippetIdentityOf(pending.text)).toMatchObject({ state: 'user', id: 'u-7' });
    expect(snippetIdentityOf(granted.text)).toMatchObject({ state: 'user', id: 'u-7' });
    expect(snippetIdentityOf(refused.text)).toEqual({ state: 'withheld' });
    expect(pending.headers['cache-control']).toBe('private');
    expect(granted.headers['cache-control']).toBe('private');
    expect(refused.text).not.toContain('u7@example.com');
  });

  it("keeps an anonymous visitor's page the same bytes and headers whatever the consent cookie says", async () => {
    for (const consent of ['granted', 'ask', 'cookieless'] as const) {
      const app = express();
      app.use(posthogSnippet({ client: clients[consent] }));
      app.get('/', (_req, res) => res.type('html').send(PAGE));
      const responses = await Promise.all(Object.values(CONSENT).map((cookie) => get(app, cookie)));
      expect(new Set(responses.map((r) => r.text)).size).toBe(1);
      for (const res of responses) expect(res.headers['cache-control']).toBeUndefined();
    }
  });

  it('in mode cookieless, never carries an identity', async () => {
    for (const cookie of Object.values(CONSENT)) {
      const res = await get(site('cookieless'), cookie);
      expect(snippetIdentityOf(res.text)).toEqual({ state: 'withheld' });
    }
  });

  it('a page a shared cache may store is the same bytes whatever the consent cookie says (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<ConsentMode>('granted', 'ask', 'cookieless'),
        fc.constantFrom('public, max-age=60', 's-maxage=300', 'max-age=60', 'public'),
        async (consent, cacheControl) => {
          const app = site(consent, cacheControl);
          const bodies = new Set<string>();
          for (const cookie of Object.values(CONSENT)) {
            const res = await get(app, cookie);
            bodies.add(res.text);
            expect(res.headers['cache-control']).toBe(cacheControl);
          }
          expect(bodies.size).toBe(1);
        },
      ),
      { numRuns: 12 },
    );
  });

  it('a page whose bytes differ by the consent cookie is never shared-cacheable (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<ConsentMode>('granted', 'ask', 'cookieless'),
        fc.constantFrom(
          undefined,
          'no-cache',
          'private',
          'no-store',
          'public, max-age=60',
          'max-age=0, must-revalidate',
        ),
        async (consent, cacheControl) => {
          const app = site(consent, cacheControl);
          const responses = await Promise.all(
            Object.values(CONSENT).map((cookie) => get(app, cookie)),
          );
          if (new Set(responses.map((r) => r.text)).size > 1) {
            for (const res of responses) {
              const headers = res.headers as Record<string, string>;
              expect(
                isPrivateToUser({
                  getHeader: (name) => headers[name],
                  getHeaderNames: () => Object.keys(headers),
                }),
              ).toBe(true);
            }
          }
        },
      ),
      { numRuns: 18 },
    );
  });
});

describe('posthogSnippet({ browser })', () => {
  const client = clients.granted;

  async function bootScript(browser?: Record<string, unknown>): Promise<string> {
    const app = express();
    app.use(posthogSnippet({ client, ...(browser ? { browser } : {}) }));
    app.get('/', (_req, res) => res.type('html').send(PAGE));
    const page = await request(app).get('/').set('Accept', 'text/html');
    const url = bootUrlOf(page.text);
    if (!url) throw new Error('no boot tag');
    return (await request(app).get(url)).text;
  }

  it('merges the options over the defaults in the boot script, whose content hash follows them', async () => {
    const plain = await bootScript();
    const tuned = await bootScript({ autocapture: true, capture_dead_clicks: true });
    expect(plain).toContain('"autocapture":false');
    expect(tuned).toContain('"autocapture":true');
    expect(tuned).toContain('"capture_dead_clicks":true');
    const app = (browser?: Record<string, unknown>) => {
      const a = express();
      a.use(posthogSnippet({ client, ...(browser ? { browser } : {}) }));
      a.get('/', (_req, res) => res.type('html').send(PAGE));
      return a;
    };
    const urlOf = async (browser?: Record<string, unknown>) =>
      bootUrlOf((await request(app(browser)).get('/').set('Accept', 'text/html')).text);
    expect(await urlOf({ autocapture: true })).not.toBe(await urlOf());
    expect(await urlOf({ autocapture: true })).toBe(await urlOf({ autocapture: true }));
  });

  it('keeps the default replay masking an object option does not name', async () => {
    const boot = await bootScript({ session_recording: { recordCanvas: true } });
    expect(boot).toContain('"maskAllInputs":true');
    expect(boot).toContain('"recordCanvas":true');
  });

  it.each(Object.keys(OWNED_BROWSER_OPTIONS))(
    'refuses the owned key %s with a TypeError naming it',
    (key) => {
      expect(() => posthogSnippet({ client, browser: { [key]: 'x' } })).toThrow(
        new RegExp(
          `^posthogSnippet: \`browser\\.${key}\` cannot be set here: .+\\. Remove it from \`browser\`\\.$`,
        ),
      );
    },
  );

  it('refuses a function value, at any depth, naming its path', () => {
    expect(() => posthogSnippet({ client, browser: { on_request_error: () => {} } })).toThrow(
      /^posthogSnippet: `browser\.on_request_error` is a function, which cannot reach the browser\./,
    );
    expect(() =>
      posthogSnippet({ client, browser: { session_recording: { maskInputFn: () => '' } } }),
    ).toThrow(/`browser\.session_recording\.maskInputFn` is a function/);
  });

  it('refuses what is not JSON, naming it and the value', () => {
    expect(() => posthogSnippet({ client, browser: 'autocapture' as never })).toThrow(
      'posthogSnippet: `browser` must be an object, got "autocapture".',
    );
    expect(() => posthogSnippet({ client, browser: { sample: Number.NaN } })).toThrow(
      /`browser\.sample` must be a finite number/,
    );
    expect(() => posthogSnippet({ client, browser: { when: new Date(0) } })).toThrow(
      /`browser\.when` must be a plain object/,
    );
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(() => posthogSnippet({ client, browser: cycle })).toThrow(/nests deeper than 20 levels/);
    const revoked = Proxy.revocable({}, {});
    revoked.revoke();
    expect(() => posthogSnippet({ client, browser: revoked.proxy })).toThrow(
      /`browser` could not be read/,
    );
  });

  it("does not follow later changes to the caller's object", async () => {
    const browser: Record<string, unknown> = { autocapture: true };
    const app = express();
    app.use(posthogSnippet({ client, browser }));
    browser.autocapture = false;
    app.get('/', (_req, res) => res.type('html').send(PAGE));
    const page = await request(app).get('/').set('Accept', 'text/html');
    const boot = await request(app).get(bootUrlOf(page.text) ?? '/');
    expect(boot.text).toContain('"autocapture":true');
  });
});
