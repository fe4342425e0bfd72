import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PosthogClient } from '../../src/core/client/index.js';
import { PosthogClient as Client } from '../../src/core/client/index.js';
import { loadConfig } from '../../src/core/config/index.js';
import { captureJobFailure, withJobCapture } from '../../src/jobs/index.js';
import { type CaptureServer, startCaptureServer } from '../helpers/capture-server.js';
import { enabledClient } from '../helpers/client.js';

let server: CaptureServer;
let client: PosthogClient;

beforeEach(async () => {
  server = await startCaptureServer();
  client = enabledClient(server.url, { environment: 'production', release: 'v2' }).client;
});

afterEach(async () => {
  await client.shutdown();
  await server.close();
});

async function exceptions() {
  await client.shutdown();
  await server.waitForEvents(1, (e) => e.event === '$exception');
  return server.events.filter((e) => e.event === '$exception');
}

describe('captureJobFailure', () => {
  it('sends $exception with job, component, extra properties, environment and release', async () => {
    captureJobFailure(
      new RangeError('quota exceeded'),
      {
        job: 'send-digest',
        component: 'worker',
        queue: 'mail',
        attempt: 3,
      },
      { client },
    );
    const [event, ...more] = await exceptions();
    expect(more).toEqual([]);
    expect(event?.properties).toMatchObject({
      job: 'send-digest',
      component: 'worker',
      queue: 'mail',
      attempt: 3,
      environment: 'production',
      release: 'v2',
    });
    expect(event?.properties.$exception_list[0]).toMatchObject({
      type: 'RangeError',
      value: 'quota exceeded',
    });
  });

  it('defaults component to "job", is personless without a distinct id, and keeps distinctId out of the properties', async () => {
    captureJobFailure(new Error('a'), { job: 'a' }, { client });
    captureJobFailure(new Error('b'), { job: 'b', distinctId: 'user-9' }, { client });
    await client.shutdown();
    const events = await server.waitForEvents(2, (e) => e.event === '$exception');
    const [a, b] = [...events].sort((x, y) =>
      String(x.properties.job).localeCompare(String(y.properties.job)),
    );
    expect(a?.properties.component).toBe('job');
    expect(a?.properties.$process_person_profile).toBe(false);
    expect(a?.distinct_id).not.toBe('anonymous');
    expect(b?.distinct_id).toBe('user-9');
    expect(b?.properties).not.toHaveProperty('distinctId');
  });

  it.each(['ask', 'cookieless'] as const)(
    "follows the operator's consent mode %s: personless even with a distinct id",
    async (consent) => {
      const own = enabledClient(server.url, { consent }).client;
      captureJobFailure(
        new Error('consent job'),
        { job: 'c', distinctId: 'user-9' },
        { client: own },
      );
      await own.shutdown();
      const [event] = await server.waitForEvents(1, (e) => e.event === '$exception');
      expect(event?.distinct_id).not.toBe('user-9');
      expect(event?.properties.$process_person_profile).toBe(false);
      expect(event?.properties.job).toBe('c');
    },
  );

  it('does nothing with PostHog off', async () => {
    const off = new Client({ config: loadConfig({ POSTHOG_HOST: server.url }) });
    captureJobFailure(new Error('x'), { job: 'j' }, { client: off });
    await off.shutdown();
    expect(server.connections).toBe(0);
  });
});

describe('withJobCapture', () => {
  it('returns the result of a job that succeeds and sends nothing', async () => {
    expect(await withJobCapture('ok-job', async () => 42, { client })).toBe(42);
    expect(await withJobCapture('sync-job', () => 'done', { client })).toBe('done');
    client.capture({ event: 'marker', distinctId: 'd' });
    await client.shutdown();
    await server.waitForEvents(1, (e) => e.event === 'marker');
    expect(server.events.map((e) => e.event)).toEqual(['marker']);
  });

  it.each([
    ['rejects', () => Promise.reject(new TypeError('bad row'))],
    [
      'throws',
      () => {
        throw new TypeError('bad row');
      },
    ],
  ])('re-throws unchanged and captures once when the job %s', async (_how, job) => {
    let caught: unknown;
    await withJobCapture('import-rows', job, {
      client,
      properties: { component: 'scheduler', batch: 7 },
    }).catch((error: unknown) => {
      caught = error;
    });
    expect(caught).toBeInstanceOf(TypeError);
    expect((caught as Error).message).toBe('bad row');
    // The same error captured again (by runCli, say) is not sent twice.
    captureJobFailure(caught, { job: 'import-rows' }, { client });
    const events = await exceptions();
    expect(events).toHaveLength(1);
    expect(events[0]?.properties).toMatchObject({
      job: 'import-rows',
      component: 'scheduler',
      batch: 7,
    });
    expect(events[0]?.properties.job_duration_ms).toBeGreaterThanOrEqual(0);
  });

  it('lets the job name win over a job property', async () => {
    await withJobCapture('real-name', () => Promise.reject(new Error('x')), {
      client,
      properties: { job: 'other' } as never,
    }).catch(() => {});
    const [event] = await exceptions();
    expect(event?.properties.job).toBe('real-name');
  });
});
