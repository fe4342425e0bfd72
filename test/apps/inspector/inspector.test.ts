import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  INSPECTOR_API_KEY,
  type PosthogInspector,
  posthogInspector,
} from '../../../src/apps/inspector/index.js';
import type { PosthogClient } from '../../../src/core/client/index.js';
import { traceGeneration } from '../../../src/llm/index.js';
import { enabledClient } from '../../helpers/client.js';
import type { RecordingLogger } from '../../helpers/logger.js';
import { devConfig, firstLiveMessage, post, serveInspector } from './helpers.js';

let site: Awaited<ReturnType<typeof serveInspector>>;
let inspector: PosthogInspector;
let client: PosthogClient;
let base: string;

beforeAll(async () => {
  site = await serveInspector({
    flags: { 'demo-server-flag': true, 'checkout-variant': 'blue' },
    maxBodyBytes: 64 * 1024,
  });
  inspector = site.inspector;
  base = `${site.url}/_inspector`;
  ({ client } = enabledClient(base, { apiKey: INSPECTOR_API_KEY, environment: 'dev' }));
});

afterAll(async () => {
  await client?.shutdown(500);
  await site?.close();
});

beforeEach(() => inspector.store.clear());

const stored = () => inspector.store.list();

describe('posthogInspector with the real posthog-node', () => {
  it('stores capture, captureException and $ai_generation events, batched and gzipped by the SDK', async () => {
    client.capture({ event: 'order placed', distinctId: 'user-1', properties: { total: 3 } });
    client.captureException(new TypeError('server broke'), { distinctId: 'user-1' });
    await traceGeneration(
      { provider: 'openai', model: 'gpt-test', distinctId: 'user-1', client },
      async (gen) => {
        gen.setTokens({ input: 3, output: 5 });
        return 'ok';
      },
    );
    await client.flush(2_000);
    const events = stored();
    expect(events.map((e) => e.event).sort()).toEqual([
      '$ai_generation',
      '$exception',
      'order placed',
    ]);
    for (const event of events) {
      expect(event).toMatchObject({ source: 'server', distinctId: 'user-1', endpoint: '/batch/' });
      expect(event.properties.environment).toBe('dev');
    }
    const exception = events.find((e) => e.event === '$exception');
    expect(exception?.properties.$exception_list).toMatchObject([
      { type: 'TypeError', value: 'server broke' },
    ]);
    expect(events.find((e) => e.event === '$ai_generation')?.properties).toMatchObject({
      $ai_provider: 'openai',
      $ai_model: 'gpt-test',
      $ai_input_tokens: 3,
    });
  });

  it('answers /flags with the configured flags, and with new ones after setFlags', async () => {
    expect(await client.isFeatureEnabled('demo-server-flag', 'user-1', false)).toBe(true);
    expect(await client.isFeatureEnabled('unknown-flag', 'user-1', false)).toBe(false);
    inspector.setFlags({ 'demo-server-flag': false });
    expect(await client.isFeatureEnabled('demo-server-flag', 'user-1', true)).toBe(false);
    inspector.setFlags({ 'demo-server-flag': true, 'checkout-variant': 'blue' });
  });
});

describe('posthogInspector capture endpoints (what posthog-js sends)', () => {
  const pageview = (n: number) => ({
    event: '$pageview',
    properties: { distinct_id: `anon-${n}`, $session_id: `session-${n}`, $lib: 'web', token: 'k' },
  });

  it('accepts a single event, an array, and { batch }, on /e/, /i/v0/e/, /batch/ and /s/', async () => {
    expect((await post(`${base}/e/?ip=1&_=1`, JSON.stringify(pageview(1)))).status).toBe(200);
    expect((await post(`${base}/i/v0/e/`, JSON.stringify([pageview(2), pageview(3)]))).status).toBe(
      200,
    );
    expect(
      (await post(`${base}/batch/`, JSON.stringify({ api_key: 'k', batch: [pageview(4)] }))).status,
    ).toBe(200);
    const snapshot = {
      event: '$snapshot',
      properties: {
        $session_id: 's',
        $snapshot_data: [
          { type: 4, data: {} },
          { type: 2, data: {} },
        ],
      },
    };
    expect((await post(`${base}/s/`, JSON.stringify([snapshot]))).status).toBe(200);
    expect(stored().map((e) => [e.event, e.distinctId ?? null, e.endpoint])).toEqual([
      ['$snapshot', null, '/s/'],
      ['$pageview', 'anon-4', '/batch/'],
      ['$pageview', 'anon-3', '/i/v0/e/'],
      ['$pageview', 'anon-2', '/i/v0/e/'],
      ['$pageview', 'anon-1', '/e/'],
    ]);
    expect(stored()[1]?.source).toBe('browser');
  });

  it('accepts gzip posted as text/plain without a compression parameter, and base64 forms', async () => {
    const gz = gzipSync(JSON.stringify([pageview(5)]));
    expect((await post(`${base}/e/`, gz, { 'content-type': 'text/plain' })).status).toBe(200);
    const b64 = Buffer.from(JSON.stringify(pageview(6))).toString('base64');
    const formBody = `data=${encodeURIComponent(b64)}`;
    const formHeaders = { 'content-type': 'application/x-www-form-urlencoded' };
    expect((await post(`${base}/e/?compression=base64`, formBody, formHeaders)).status).toBe(200);
    expect(stored().map((e) => e.distinctId)).toEqual(['anon-6', 'anon-5']);
  });

  it.each([
    ['text that is not JSON', 'not json'],
    ['JSON that is not an event', '{"hello":"world"}'],
    ['an event without a name', '[{"properties":{}}]'],
    ['a batch with one bad element', '{"batch":[{"event":"ok"},{"event":7}]}'],
    ['an empty batch', '{"batch":[]}'],
    ['properties that are not an object', '{"event":"x","properties":"y"}'],
    ['broken gzip', Buffer.from([0x1f, 0x8b, 0, 1, 2])],
  ])('answers 400 to %s and stores nothing', async (_label, body) => {
    const { status, json } = await post(`${base}/e/`, body);
    expect(status).toBe(400);
    expect(json.type).toBe('validation_error');
    expect(stored()).toEqual([]);
  });

  it('answers 413 to a body past maxBodyBytes, declared or streamed, and stores nothing', async () => {
    const big = JSON.stringify({ event: 'big', properties: { pad: 'x'.repeat(70 * 1024) } });
    expect((await post(`${base}/e/`, big)).status).toBe(413);
    const streamed = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 10; i += 1)
          controller.enqueue(new TextEncoder().encode(big.slice(i * 7500, (i + 1) * 7500)));
        controller.enqueue(new TextEncoder().encode(big.slice(75_000)));
        controller.close();
      },
    });
    const response = await fetch(`${base}/e/`, {
      method: 'POST',
      body: streamed,
      duplex: 'half',
    } as RequestInit);
    expect(response.status).toBe(413);
    expect(stored()).toEqual([]);
    expect(await (await fetch(`${site.url}/elsewhere`)).text()).toBe('the app still answers');
  });

  it('serves the remote config with session recording on at /s/, as JSON and as the script posthog-js loads', async () => {
    const json = await (await fetch(`${base}/array/${INSPECTOR_API_KEY}/config`)).json();
    expect(json.sessionRecording).toMatchObject({ endpoint: '/s/' });
    expect(json.supportedCompression).toContain('gzip-js');
    const script = await (await fetch(`${base}/array/${INSPECTOR_API_KEY}/config.js`)).text();
    const window: { _POSTHOG_REMOTE_CONFIG?: Record<string, { config: Record<string, unknown> }> } =
      {};
    new Function('window', script)(window);
    expect(
      window._POSTHOG_REMOTE_CONFIG?.[INSPECTOR_API_KEY]?.config.sessionRecording,
    ).toMatchObject({ endpoint: '/s/' });
  });

  it('turns recording off in the remote config with replay: false', async () => {
    const off = await serveInspector({ replay: false });
    try {
      const json = await (await fetch(`${off.url}/_inspector/array/k/config`)).json();
      expect(json.sessionRecording).toBe(false);
    } finally {
      await off.close();
    }
  });

  it('answers unknown inspector paths with 404 and leaves the rest of the app alone', async () => {
    expect((await fetch(`${base}/nothing-here`)).status).toBe(404);
    expect((await fetch(`${site.url}/elsewhere`)).status).toBe(200);
  });
});

describe('posthogInspector events page and JSON', () => {
  beforeEach(async () => {
    const events = [
      {
        event: '$pageview',
        properties: {
          distinct_id: 'ada@example.com',
          $session_id: 'S-1',
          $current_url: 'http://app/a',
        },
      },
      {
        event: '$exception',
        properties: {
          distinct_id: 'bob',
          $session_id: 'S-2',
          $exception_list: [{ type: 'Error', value: 'boom' }],
        },
      },
      {
        event: '<img src=x onerror=alert(1)>',
        properties: { distinct_id: '</td><script>alert(2)</script>' },
      },
    ];
    await post(`${base}/batch/`, JSON.stringify({ batch: events }));
  });

  it('lists events newest first and filters by event name, user and session', async () => {
    const all = await (await fetch(`${base}/api/events`)).json();
    expect(all.events.map((e: { event: string }) => e.event)).toEqual([
      '<img src=x onerror=alert(1)>',
      '$exception',
      '$pageview',
    ]);
    expect(all).toMatchObject({ size: 3, capacity: 1000 });
    const byEvent = await (await fetch(`${base}/api/events?event=exception`)).json();
    expect(byEvent.events.map((e: { distinctId: string }) => e.distinctId)).toEqual(['bob']);
    const byUser = await (await fetch(`${base}/api/events?user=ADA@`)).json();
    expect(byUser.events.map((e: { event: string }) => e.event)).toEqual(['$pageview']);
    const bySession = await (await fetch(`${base}/api/events?session=S-2`)).json();
    expect(bySession.events.map((e: { event: string }) => e.event)).toEqual(['$exception']);
  });

  it('serves a page with no inline script under a strict CSP, its rows as JSON text on the live stream', async () => {
    const response = await fetch(`${base}/`);
    const html = await response.text();
    expect(response.headers.get('cache-control')).toBe('no-store, no-transform');
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toContain('<img src=x');
    const reset = await firstLiveMessage(`${base}/api/live`);
    expect(reset.type).toBe('reset');
    const rows = reset.data.rows as { event: string; summary: string; distinctId?: string }[];
    expect(rows.map((row) => row.event)).toContain('<img src=x onerror=alert(1)>');
    expect(rows.map((row) => row.summary)).toContain('Error: boom');
    expect(rows.map((row) => row.distinctId)).toContain('</td><script>alert(2)</script>');
  });

  it('forgets everything on DELETE api/events', async () => {
    expect((await fetch(`${base}/api/events`, { method: 'DELETE' })).status).toBe(204);
    expect((await (await fetch(`${base}/api/events`)).json()).size).toBe(0);
  });
});

describe('posthogInspector where it must never run', () => {
  /** Runs `middleware` on a request for the inspector's page; true when it passed the request on. */
  function passesOn(middleware: PosthogInspector): boolean {
    let passed = false;
    const req = { method: 'GET', url: '/_inspector/', headers: { host: 'localhost' }, socket: {} };
    middleware(req as never, {} as never, () => {
      passed = true;
    });
    return passed;
  }

  it('is not mounted with NODE_ENV=production, says so in one info line, and never throws', () => {
    const config = devConfig({ NODE_ENV: 'production' });
    const inspector = posthogInspector({ config });
    expect(inspector.mounted).toBe(false);
    expect(passesOn(inspector)).toBe(true);
    const lines = (config.logger as RecordingLogger).lines;
    expect(lines).toEqual([
      {
        level: 'info',
        message: expect.stringMatching(
          /^posthogInspector: not mounted, because NODE_ENV=production/,
        ),
      },
    ]);
  });

  it('is not mounted with a real POSTHOG_API_KEY, saying where events go, and accepts the inspector key', () => {
    const config = devConfig({
      POSTHOG_API_KEY: 'phc_real',
      POSTHOG_HOST: 'https://us.i.posthog.com',
    });
    const inspector = posthogInspector({ config });
    expect(inspector.mounted).toBe(false);
    expect(passesOn(inspector)).toBe(true);
    expect((config.logger as RecordingLogger).lines).toEqual([
      {
        level: 'info',
        message:
          'posthogInspector: not mounted, because POSTHOG_API_KEY is set: events go to PostHog at https://us.i.posthog.com. Unset POSTHOG_API_KEY to see them in the local inspector instead.',
      },
    ]);
    expect(
      posthogInspector({ config: devConfig({ POSTHOG_API_KEY: INSPECTOR_API_KEY }) }).mounted,
    ).toBe(true);
  });

  it('is a middleware: it opens no port of its own', async () => {
    const { getActiveResourcesInfo } = process;
    const before = getActiveResourcesInfo().filter((r) => r === 'TCPServerWrap').length;
    posthogInspector({ config: devConfig() });
    expect(getActiveResourcesInfo().filter((r) => r === 'TCPServerWrap').length).toBe(before);
  });

  it.each([
    [{ maxEvents: 0 }, 'posthogInspector: `maxEvents` must be a positive integer, got 0.'],
    [
      { maxBodyBytes: '1mb' },
      'posthogInspector: `maxBodyBytes` must be a positive integer, got "1mb".',
    ],
    [
      { maxStoredBytes: 1.5 },
      'posthogInspector: `maxStoredBytes` must be a positive integer, got 1.5.',
    ],
    [
      { flags: { a: 1 } },
      'posthogInspector: `flags` must map flag keys to true, false or a variant, e.g. { \'new-ui\': true }, got {"a":1}.',
    ],
    [{ replay: 'yes' }, 'posthogInspector: `replay` must be true or false, got "yes".'],
  ])('rejects the option %j with a message saying what to write', (options, message) => {
    expect(() => posthogInspector({ config: devConfig(), ...(options as object) })).toThrow(
      message,
    );
  });

  it('says what to write when passed to Express uncalled', () => {
    const fakeReq = { headers: {}, method: 'GET' };
    expect(() => posthogInspector(fakeReq as never)).toThrow(
      /call it — app.use\(posthogInspector\(\)\)/,
    );
  });
});
