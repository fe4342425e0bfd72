/**
 * The jobs API of issue 14: the client in an options object, the old
 * positional form still working with one deprecation warning, and a client
 * put inside the properties used as the client — never an event property.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PosthogClient } from '../../src/core/client/index.js';
import { captureJobFailure, withJobCapture } from '../../src/jobs/index.js';
import { type CaptureServer, startCaptureServer } from '../helpers/capture-server.js';
import { enabledClient } from '../helpers/client.js';
import type { RecordingLogger } from '../helpers/logger.js';

let server: CaptureServer;
let client: PosthogClient;
let logger: RecordingLogger;

beforeEach(async () => {
  server = await startCaptureServer();
  ({ client, logger } = enabledClient(server.url));
});

afterEach(async () => {
  await client.shutdown();
  await server.close();
});

async function exceptions(count: number) {
  await client.shutdown();
  return server.waitForEvents(count, (e) => e.event === '$exception');
}

describe('captureJobFailure(error, props, { client })', () => {
  it('sends with the given client, no warning', async () => {
    captureJobFailure(new Error('x'), { job: 'a', component: 'worker' }, { client });
    const [event] = await exceptions(1);
    expect(event?.properties).toMatchObject({ job: 'a', component: 'worker' });
    expect(logger.warnings()).toEqual([]);
  });

  it('keeps the old positional client working, with one deprecation warning', async () => {
    captureJobFailure(new Error('x'), { job: 'a' }, client);
    captureJobFailure(new Error('y'), { job: 'b' }, client);
    const events = await exceptions(2);
    expect(events).toHaveLength(2);
    expect(logger.warnings()).toEqual([
      'captureJobFailure(error, properties, client) is deprecated: write captureJobFailure(error, properties, { client }).',
    ]);
  });

  it('uses a client put inside the properties as the client, never as a property', async () => {
    captureJobFailure(new Error('x'), { job: 'a', client } as never);
    const [event] = await exceptions(1);
    expect(event?.properties.job).toBe('a');
    expect(event?.properties).not.toHaveProperty('client');
    expect(logger.warnings()).toHaveLength(1);
    expect(logger.warnings()[0]).toContain(
      '`client` was given inside the event properties; it is not sent as a property and is used as the client',
    );
  });

  it('keeps a `client` property that is data, such as a customer name', async () => {
    captureJobFailure(new Error('x'), { job: 'a', client: 'acme' }, { client });
    const [event] = await exceptions(1);
    expect(event?.properties.client).toBe('acme');
    expect(logger.warnings()).toEqual([]);
  });

  it('sends a job named by a value JSON cannot write (a bigint) as "unknown", naming the value', async () => {
    expect(() =>
      captureJobFailure(new Error('x'), { job: 10n } as never, { client }),
    ).not.toThrow();
    const [event] = await exceptions(1);
    expect(event?.properties.job).toBe('unknown');
    expect(logger.warnings()).toEqual([
      'captureJobFailure: `job` must be a non-empty string naming the job, such as { job: \'send-digest\' }, got 10n; the failure is sent with job "unknown".',
    ]);
  });

  it('sends a job without a name as "unknown", with one warning, and never throws', async () => {
    expect(() => captureJobFailure(new Error('x'), {} as never, { client })).not.toThrow();
    expect(() => captureJobFailure(new Error('y'), null as never, { client })).not.toThrow();
    const events = await exceptions(2);
    expect(events.map((e) => e.properties.job)).toEqual(['unknown', 'unknown']);
    expect(logger.warnings()).toHaveLength(1);
    expect(logger.warnings()[0]).toContain('`job` must be a non-empty string');
  });
});

describe('withJobCapture(job, fn, { client, properties })', () => {
  it('captures with the options form, no warning', async () => {
    await withJobCapture('sync', () => Promise.reject(new Error('x')), {
      client,
      properties: { component: 'scheduler' },
    }).catch(() => {});
    const [event] = await exceptions(1);
    expect(event?.properties).toMatchObject({ job: 'sync', component: 'scheduler' });
    expect(event?.properties).not.toHaveProperty('properties');
    expect(logger.warnings()).toEqual([]);
  });

  it('keeps the old (properties, client) form working, with one deprecation warning', async () => {
    for (const name of ['a', 'b']) {
      await withJobCapture(
        name,
        () => Promise.reject(new Error(name)),
        { component: 'cron' },
        client,
      ).catch(() => {});
    }
    const events = await exceptions(2);
    expect(events.map((e) => e.properties.component)).toEqual(['cron', 'cron']);
    expect(logger.warnings()).toEqual([
      'withJobCapture(job, fn, properties, client) is deprecated: write withJobCapture(job, fn, { properties, client }).',
    ]);
  });

  it('throws a TypeError before running anything for a missing name or job', async () => {
    let ran = false;
    const job = () => {
      ran = true;
    };
    await expect(withJobCapture(undefined as never, job, { client })).rejects.toThrow(
      "withJobCapture: the first argument must be the job's name, a non-empty string such as 'hourly-sync', got undefined.",
    );
    await expect(withJobCapture('sync', 'job' as never, { client })).rejects.toThrow(
      'withJobCapture: the second argument must be the job, a function, got string.',
    );
    expect(ran).toBe(false);
  });
});
