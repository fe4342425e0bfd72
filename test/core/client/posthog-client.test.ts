import { PostHog } from 'posthog-node';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { getPosthog, PosthogClient, resetPosthog } from '../../../src/core/client/index.js';
import type { PosthogSdk } from '../../../src/core/client/sdk.js';
import { loadConfig } from '../../../src/core/config/index.js';
import type { IdentifyMode } from '../../../src/core/config/types.js';
import {
  type CaptureServer,
  closedPort,
  startCaptureServer,
} from '../../helpers/capture-server.js';
import { enabledClient, fakeRequest, TEST_PROJECT_KEY } from '../../helpers/client.js';
import { recordingLogger } from '../../helpers/logger.js';

let server: CaptureServer;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

beforeEach(async () => {
  server = await startCaptureServer();
  unhandled.length = 0;
  process.on('unhandledRejection', onUnhandled);
  process.on('uncaughtException', onUnhandled);
});

afterEach(async () => {
  process.off('unhandledRejection', onUnhandled);
  process.off('uncaughtException', onUnhandled);
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
  await resetPosthog();
  await server.close();
});

const USER = { id: 'u-42', email: 'ada@example.com', name: 'Ada Lovelace' };

describe('PosthogClient when disabled', () => {
  it('constructs no posthog-node client and opens no connection, whatever is called', async () => {
    const constructed = vi.spyOn(PostHog.prototype as any, 'initializeContext');
    vi.stubEnv('POSTHOG_API_KEY', '');
    vi.stubEnv('POSTHOG_HOST', server.url);
    const clients = [
      getPosthog(),
      new PosthogClient({ config: loadConfig({ POSTHOG_HOST: server.url }) }),
    ];
    for (const client of clients) {
      expect(client.enabled).toBe(false);
      expect(client.sdk).toBeUndefined();
      client.capture({ event: 'x', distinctId: 'd' });
      client.captureException(new Error('boom'), { request: fakeRequest({ user: USER }) });
      expect(await client.isFeatureEnabled('flag', 'd', true)).toBe(true);
      expect(await client.isFeatureEnabled('flag', 'd', false)).toBe(false);
      expect(client.withContext({ distinctId: 'd' }, () => 7)).toBe(7);
      await client.flush();
      await client.shutdown();
    }
    await resetPosthog();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(constructed).not.toHaveBeenCalled();
    expect(server.connections).toBe(0);
    expect(server.events).toEqual([]);
  });

  it('builds a real posthog-node client once a key is set (the spy above can see one)', () => {
    const constructed = vi.spyOn(PostHog.prototype as any, 'initializeContext');
    const { client } = enabledClient(server.url);
    expect(client.enabled).toBe(true);
    expect(constructed).toHaveBeenCalledTimes(1);
  });
});

describe('PosthogClient when enabled', () => {
  it('puts environment and release on every event, captured or built by the SDK', async () => {
    const { client } = enabledClient(server.url, { environment: 'staging', release: 'v9' });
    client.capture({ event: 'order placed', distinctId: 'd1', properties: { total: 3 } });
    client.captureException(new TypeError('bad total'), { distinctId: 'd1' });
    await client.shutdown();
    const events = await server.waitForEvents(2);
    for (const event of events) {
      expect(event.properties.environment).toBe('staging');
      expect(event.properties.release).toBe('v9');
    }
    expect(events.map((e) => e.event).sort()).toEqual(['$exception', 'order placed']);
  });

  it('omits release, rather than sending null, when none resolves', async () => {
    const { client } = enabledClient(server.url);
    client.capture({ event: 'ping', distinctId: 'd1' });
    await client.shutdown();
    const [event] = await server.waitForEvents(1);
    expect(event?.properties.environment).toBe('unknown');
    expect(event?.properties).not.toHaveProperty('release');
  });

  it('sends the exception list with stack frames from the SDK', async () => {
    const { client } = enabledClient(server.url);
    client.captureException(new RangeError('out of range'), { distinctId: 'd1' });
    await client.shutdown();
    const [event] = await server.waitForEvents(1);
    const [first] = event?.properties.$exception_list ?? [];
    expect(first.type).toBe('RangeError');
    expect(first.value).toBe('out of range');
    expect(first.stacktrace.frames.length).toBeGreaterThan(0);
  });

  const MODES: [IdentifyMode, Record<string, string>][] = [
    ['none', {}],
    ['id', { user_id: 'u-42' }],
    ['email', { user_id: 'u-42', user_email: 'ada@example.com' }],
    ['full', { user_id: 'u-42', user_email: 'ada@example.com', user_name: 'Ada Lovelace' }],
  ];
  it.each(MODES)('identify mode %s sends exactly %j', async (mode, expected) => {
    const { client } = enabledClient(server.url, { identifyPii: mode });
    client.captureException(new Error('boom'), {
      request: fakeRequest({ user: USER, id: 'req-1' }),
    });
    await client.shutdown();
    const [event] = await server.waitForEvents(1);
    const props = event?.properties ?? {};
    const userProps = Object.fromEntries(
      Object.entries(props).filter(([k]) => k.startsWith('user_')),
    );
    expect(userProps).toEqual(expected);
    expect(props).toMatchObject({ path: '/orders', method: 'POST', request_id: 'req-1' });
    if (mode === 'none') {
      expect(event?.distinct_id).not.toBe('u-42');
    } else {
      expect(event?.distinct_id).toBe('u-42');
    }
  });

  it('gives each anonymous request its own personless distinct id, never "anonymous"', async () => {
    const { client } = enabledClient(server.url);
    client.captureException(new Error('one'), { request: fakeRequest() });
    client.captureException(new Error('two'), { request: fakeRequest() });
    await client.shutdown();
    const events = await server.waitForEvents(2);
    const ids = events.map((e) => e.distinct_id);
    expect(ids).not.toContain('anonymous');
    expect(new Set(ids).size).toBe(2);
    for (const event of events) expect(event.properties.$process_person_profile).toBe(false);
  });

  it("uses the browser's PostHog ids from the tracing headers for an anonymous request", async () => {
    const { client } = enabledClient(server.url);
    client.captureException(new Error('boom'), {
      request: fakeRequest({
        headers: { 'x-posthog-distinct-id': 'browser-abc', 'x-posthog-session-id': 'sess-123' },
      }),
    });
    await client.shutdown();
    const [event] = await server.waitForEvents(1);
    expect(event?.distinct_id).toBe('browser-abc');
    expect(event?.properties.$session_id).toBe('sess-123');
  });

  it('ignores tracing headers that do not look like ids', async () => {
    const { client } = enabledClient(server.url);
    client.captureException(new Error('boom'), {
      request: fakeRequest({ headers: { 'x-posthog-distinct-id': '<script>alert(1)</script>' } }),
    });
    await client.shutdown();
    const [event] = await server.waitForEvents(1);
    expect(event?.distinct_id).not.toContain('<script>');
  });

  it('lets an explicit distinct id win over the request user', async () => {
    const { client } = enabledClient(server.url);
    client.captureException(new Error('boom'), {
      request: fakeRequest({ user: USER }),
      distinctId: 'explicit',
    });
    await client.shutdown();
    const [event] = await server.waitForEvents(1);
    expect(event?.distinct_id).toBe('explicit');
  });

  it('captures the same error object only once', async () => {
    const { client } = enabledClient(server.url);
    const error = new Error('once');
    client.captureException(error, { distinctId: 'd' });
    client.captureException(error, { distinctId: 'd' });
    expect(client.wasCaptured(error)).toBe(true);
    client.capture({ event: 'marker', distinctId: 'd' });
    await client.shutdown();
    await server.waitForEvents(1, (e) => e.event === 'marker');
    expect(server.events.filter((e) => e.event === '$exception')).toHaveLength(1);
  });

  it("marks what it captured the way posthog-node checks, so posthog-node's captureException skips it", async () => {
    const { client } = enabledClient(server.url);
    const error = new Error('marked');
    client.captureException(error, { distinctId: 'd' });
    expect(
      (error as { __posthog_previously_captured_error?: unknown })
        .__posthog_previously_captured_error,
    ).toBe(true);
    expect(Object.keys(error)).not.toContain('__posthog_previously_captured_error');
    (client.sdk as PostHog).captureException(error, 'd');
    await client.shutdown();
    expect(server.events.filter((e) => e.event === '$exception')).toHaveLength(1);
  });

  it('captures a revoked Proxy or an error with throwing getters as a ThrownValue', async () => {
    const { client } = enabledClient(server.url);
    const { proxy, revoke } = Proxy.revocable(new Error('gone'), {});
    revoke();
    const throwing = Object.defineProperty(new Error('x'), 'message', {
      get() {
        throw new Error('message getter');
      },
    });
    const frozen = Object.freeze(new Error('frozen'));
    client.captureException(proxy, { distinctId: 'd' });
    client.captureException(throwing, { distinctId: 'd' });
    client.captureException(frozen, { distinctId: 'd' });
    client.captureException(frozen, { distinctId: 'd' });
    await client.shutdown();
    const types = server.events
      .filter((e) => e.event === '$exception')
      .map((e) => e.properties.$exception_list?.[0]?.type);
    expect(types.sort()).toEqual(['Error', 'ThrownValue', 'ThrownValue']);
    expect(unhandled).toEqual([]);
  });

  it('adds the standard request properties, with the session from the posthog-js cookie', async () => {
    const { client } = enabledClient(server.url);
    const now = Date.now();
    const cookie = `ph_${TEST_PROJECT_KEY}_posthog=${encodeURIComponent(
      JSON.stringify({ distinct_id: 'anon-c', $sesid: [now, 'sess-c', now] }),
    )}`;
    client.captureException(new Error('with cookie'), {
      request: {
        ...fakeRequest({ headers: { cookie, host: 'app.test', 'user-agent': 'ua' } }),
        url: '/orders?secret=s3&page=2',
      },
    });
    await client.shutdown();
    const [event] = await server.waitForEvents(1);
    expect(event?.distinct_id).toBe('anon-c');
    expect(event?.properties).toMatchObject({
      $session_id: 'sess-c',
      $current_url: 'http://app.test/orders?secret=[redacted]&page=2',
      $request_method: 'POST',
      $request_path: '/orders',
      $user_agent: 'ua',
    });
  });

  it('keeps one process-wide client on globalThis under a registered Symbol', async () => {
    const client = getPosthog();
    expect((globalThis as Record<symbol, unknown>)[Symbol.for('express-posthog.client')]).toBe(
      client,
    );
    await resetPosthog();
    expect(getPosthog()).not.toBe(client);
  });

  it('sends $exception with type and message through an SDK that has no captureException', async () => {
    class OldPostHog extends PostHog {
      // an SDK release from before error tracking
      override captureException = undefined as never;
    }
    const logger = recordingLogger();
    const config = loadConfig({}, { apiKey: 'phc_test', host: server.url, logger, release: 'r1' });
    const sdk = new OldPostHog('phc_test', { host: server.url }) as unknown as PosthogSdk;
    const client = new PosthogClient({ config, sdk });
    client.captureException(new TypeError('legacy path'), { request: fakeRequest({ user: USER }) });
    await client.shutdown();
    const [event] = await server.waitForEvents(1);
    expect(event?.event).toBe('$exception');
    expect(event?.properties).toMatchObject({
      $exception_type: 'TypeError',
      $exception_message: 'legacy path',
      user_id: 'u-42',
      user_email: 'ada@example.com',
    });
  });
});

describe('PosthogClient feature flags', () => {
  it('returns the value the /flags endpoint gives', async () => {
    server.flags = { 'new-checkout': true, 'old-thing': false };
    const { client } = enabledClient(server.url);
    expect(await client.isFeatureEnabled('new-checkout', 'u1', false)).toBe(true);
    expect(await client.isFeatureEnabled('old-thing', 'u1', true)).toBe(false);
    await client.shutdown(500);
  });

  it('returns the default for a flag the server does not know', async () => {
    const { client } = enabledClient(server.url);
    expect(await client.isFeatureEnabled('missing', 'u1', true)).toBe(true);
    await client.shutdown(500);
  });

  it.each([['hang'], [500]] as const)(
    'returns the default within ~2 s when /flags answers %s',
    async (mode) => {
      server.mode = mode;
      const { client } = enabledClient(server.url);
      const started = performance.now();
      const value = await client.isFeatureEnabled('new-checkout', 'u1', true);
      const elapsed = performance.now() - started;
      expect(value).toBe(true);
      expect(elapsed).toBeLessThan(3_500);
      await client.shutdown(200);
      expect(unhandled).toEqual([]);
    },
  );
});

describe('PosthogClient shutdown', () => {
  it('returns within the configured bound while the host hangs, without unhandled errors', async () => {
    server.mode = 'hang';
    const { client, logger } = enabledClient(server.url, { shutdownTimeoutMs: 300 });
    for (let i = 0; i < 5; i += 1) client.capture({ event: 'queued', distinctId: 'd' });
    const started = performance.now();
    // A timer of the same bound, set just before the client's own: on a loaded machine it
    // fires late too, and the client cannot return before its timer fires. It once took over
    // 1.5 s on a shared CI box with the client's timer fired late; what is asserted is that the
    // client returns with its timer, not after some later event (a hung request, a retry).
    let reference = 0;
    setTimeout(() => {
      reference = performance.now() - started;
    }, 300);
    await client.shutdown();
    const elapsed = performance.now() - started;
    expect(elapsed).toBeLessThan(Math.max(reference, 300) + 1_200);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(unhandled).toEqual([]);
    expect(logger.warnings().some((w) => w.includes('300 ms'))).toBe(true);
    expect(logger.warnings().filter((w) => w.includes('dropped'))).toEqual([
      `PostHog shutdown: 5 events were dropped (PostHog did not take them within 300 ms). Check that ${server.url} is reachable, or raise POSTHOG_SHUTDOWN_TIMEOUT_MS.`,
    ]);
  });

  it('names the bound, not a refusal, when posthog-node’s own timer settles first with events left', async () => {
    server.mode = 'hang';
    const logger = recordingLogger();
    const config = loadConfig(
      {},
      { apiKey: 'phc_test', host: server.url, logger, shutdownTimeoutMs: 300 },
    );
    // The real posthog-node, whose shutdown settles at once and without an error: what it does
    // when its timer (the same bound) fires before ours on a busy core.
    const sdk = new PostHog('phc_test', { host: server.url, flushAt: 1000 });
    sdk.shutdown = async () => {};
    const client = new PosthogClient({ config, sdk: sdk as unknown as PosthogSdk });
    for (let i = 0; i < 3; i += 1) client.capture({ event: 'queued', distinctId: 'd' });
    await client.shutdown();
    expect(logger.warnings().filter((w) => w.includes('dropped'))).toEqual([
      `PostHog shutdown: 3 events were dropped (PostHog did not take them within 300 ms). Check that ${server.url} is reachable, or raise POSTHOG_SHUTDOWN_TIMEOUT_MS.`,
    ]);
  });

  it('is idempotent: a second call returns the same promise', async () => {
    const { client } = enabledClient(server.url);
    expect(client.shutdown()).toBe(client.shutdown());
    await client.shutdown();
  });

  it('leaves the process unharmed when the host refuses connections', async () => {
    const port = await closedPort();
    const { client, logger } = enabledClient(`http://127.0.0.1:${port}`, {
      shutdownTimeoutMs: 1_000,
    });
    for (let i = 0; i < 50; i += 1) {
      client.capture({ event: 'lost', distinctId: 'd' });
      client.captureException(new Error(`lost ${i}`), { request: fakeRequest() });
    }
    await client.flush(1_000);
    await client.shutdown();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(unhandled).toEqual([]);
    expect(logger.warnings().length).toBeLessThanOrEqual(6);
  });

  it('logs SDK errors at warn level, rate-limited, when the host answers 500', async () => {
    server.mode = 500;
    const { client, logger } = enabledClient(server.url, { shutdownTimeoutMs: 1_000 });
    for (let round = 0; round < 20; round += 1) {
      client.capture({ event: 'rejected', distinctId: 'd' });
      await client.flush(300);
    }
    await client.shutdown();
    expect(unhandled).toEqual([]);
    const warnings = logger.warnings();
    expect(warnings.length).toBeGreaterThan(0);
    expect(warnings.length).toBeLessThanOrEqual(6);
  });
});

describe('PosthogClient queue bound', () => {
  it('holds at most MAX_QUEUE_SIZE events while the host hangs, dropping the oldest', async () => {
    const { MAX_QUEUE_SIZE } = await import('../../../src/core/client/sdk.js');
    server.mode = 'hang';
    const { client } = enabledClient(server.url, { shutdownTimeoutMs: 200 });
    for (let i = 0; i < MAX_QUEUE_SIZE + 2_000; i += 1)
      client.capture({ event: `e${i}`, distinctId: 'd' });
    // Let the SDK enqueue them (capture prepares each event asynchronously); its first batch hangs.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const queue: unknown[] = (client.sdk as any).getRouteQueue('analytics');
    expect(queue.length).toBeGreaterThan(MAX_QUEUE_SIZE - 100);
    expect(queue.length).toBeLessThanOrEqual(MAX_QUEUE_SIZE);
    await client.shutdown();
  });
});
