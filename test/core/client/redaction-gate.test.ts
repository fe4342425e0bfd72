import express from 'express';
import { PostHog } from 'posthog-node';
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PosthogSdk } from '../../../src/core/client/index.js';
import { PosthogClient } from '../../../src/core/client/index.js';
import { loadConfig } from '../../../src/core/config/index.js';
import type { PosthogConfigOptions } from '../../../src/core/config/types.js';
import { REDACTED } from '../../../src/core/redact/redact.js';
import { posthogErrorHandler } from '../../../src/error-handler/index.js';
import { captureJobFailure } from '../../../src/jobs/index.js';
import { traceGeneration } from '../../../src/llm/index.js';
import { SECRET_FORMS } from '../../fixtures/secrets/secret-corpus.js';
import { type CaptureServer, startCaptureServer } from '../../helpers/capture-server.js';
import { recordingLogger } from '../../helpers/logger.js';

/**
 * Built at run time: posthog-node sends the source lines around each stack frame, and this
 * file's own lines must not look like a leaked secret.
 */
const K = ['SEK', 'RET'].join('');

let server: CaptureServer;
let client: PosthogClient;

function realClient(
  options: PosthogConfigOptions = {},
  beforeSend?: ConstructorParameters<typeof PosthogClient>[0] extends infer O
    ? O extends { beforeSend?: infer B }
      ? B
      : never
    : never,
): PosthogClient {
  const config = loadConfig(
    {},
    { apiKey: 'phc_test', host: server.url, logger: recordingLogger(), ...options },
  );
  return new PosthogClient({ config, ...(beforeSend ? { beforeSend } : {}) });
}

/** Every byte that reached the capture server, as one text. */
function wire(): string {
  return JSON.stringify(server.requests.map((r) => r.body));
}

beforeEach(async () => {
  server = await startCaptureServer();
  client = realClient();
});

afterEach(async () => {
  await client.shutdown();
  await server.close();
});

describe('the redaction gate on the server, bytes at the capture host', () => {
  it('keeps every secret form of the corpus out of $exception_list values, keeping the rest', async () => {
    for (const form of SECRET_FORMS) client.captureException(new Error(form.text));
    await client.shutdown();
    const events = await server.waitForEvents(SECRET_FORMS.length, (e) => e.event === '$exception');
    expect(events).toHaveLength(SECRET_FORMS.length);
    const values = events.map((e) => String(e.properties.$exception_list?.[0]?.value));
    for (const form of SECRET_FORMS) {
      const value = values.find(
        (v) => form.keep.every((k) => v.includes(k)) && v.includes(REDACTED),
      );
      expect(value, form.name).toBeDefined();
    }
    expect(wire()).not.toMatch(new RegExp(`${K}|U0VLUkVU|eyJzdWIiOiJTRUtSRVQ`));
  });

  it("redacts a credentialed URL in Node's own fetch error, as thrown", async () => {
    const thrown = await fetch(`http://deploy:${K}fetch@127.0.0.1:9/hook`).catch((e) => e);
    expect(String(thrown.message)).toContain(`${K}fetch`);
    client.captureException(thrown);
    await client.shutdown();
    const [event] = await server.waitForEvents(1, (e) => e.event === '$exception');
    expect(event?.properties.$exception_list[0].value).toContain(`http://${REDACTED}@127.0.0.1:9`);
    expect(wire()).not.toContain(`${K}fetch`);
  });

  it('redacts $ai_base_url and a provider error, payloads on and off', async () => {
    for (const payloads of [false, true]) {
      const traced = realClient({ llmPayloads: payloads });
      await traceGeneration(
        {
          provider: 'gateway',
          model: 'm',
          client: traced,
          baseUrl: `https://gateway.example.com/v1/key/sk-${K}base1234/chat`,
        },
        async () => {
          throw Object.assign(new Error(`401: invalid "Bearer ${K}provider99"`), { status: 401 });
        },
      ).catch(() => {});
      await traced.shutdown();
    }
    const events = await server.waitForEvents(2, (e) => e.event === '$ai_generation');
    for (const event of events) {
      expect(event.properties.$ai_base_url).toBe(
        `https://gateway.example.com/v1/key/${REDACTED}/chat`,
      );
    }
    expect(
      String(events.find((e) => /Bearer/.test(e.properties.$ai_error))?.properties.$ai_error),
    ).toContain(`Bearer ${REDACTED}`);
    expect(wire()).not.toContain(K);
  });

  it('redacts job properties and a nested $current_url set by the app through the client', async () => {
    captureJobFailure(
      new Error('job failed'),
      {
        job: 'sync',
        source: `postgres://etl:${K}job1@db/warehouse`,
        meta: { hook: `https://hooks.slack.com/services/T1/B2/${K}job2` },
      },
      { client },
    );
    client.capture({
      event: 'visited',
      distinctId: 'd1',
      properties: {
        $current_url: `https://app.example.com/login?next=%2Freset%3Ftoken%3D${K}next%26step%3D2`,
      },
    });
    await client.shutdown();
    const [job] = await server.waitForEvents(1, (e) => e.event === '$exception');
    const [visit] = await server.waitForEvents(1, (e) => e.event === 'visited');
    expect(job?.properties.source).toBe(`postgres://${REDACTED}@db/warehouse`);
    expect(visit?.properties.$current_url).toBe(
      `https://app.example.com/login?next=%2Freset%3Ftoken%3D${REDACTED}%26step%3D2`,
    );
    expect(wire()).not.toContain(K);
  });

  it("covers what posthog-node's own helpers send through the package's client", async () => {
    const sdk = client.sdk as PostHog;
    sdk.capture({
      distinctId: 'd2',
      event: 'raw',
      properties: {
        $current_url: `/cb?redirect_uri=https%3A%2F%2Fa.example%2Fcb%3Fcode%3D${K}raw`,
      },
    });
    await client.shutdown();
    const [raw] = await server.waitForEvents(1, (e) => e.event === 'raw');
    expect(raw?.properties.$current_url).toContain('%3Fcode%3D');
    expect(wire()).not.toContain(K);
  });

  it("redacts the error handler's url and $current_url, nested secrets included", async () => {
    const app = express();
    app.get('/reset', () => {
      throw new Error('boom');
    });
    app.use(posthogErrorHandler({ client }));
    await request(app).get(`/reset?next=%2Fx%3Ftoken%3D${K}page&page=2`).expect(500);
    await client.shutdown();
    const [event] = await server.waitForEvents(1, (e) => e.event === '$exception');
    expect(event?.properties.url).toContain('page=2');
    expect(wire()).not.toContain(K);
  });
});

describe('one redaction per exit: the gate alone, bytes at the capture host', () => {
  it("redacts the request URL on $current_url and the error handler's url, quotes and `;` in a value included", async () => {
    const app = express();
    app.get('/reset', () => {
      throw new Error('boom');
    });
    app.use(posthogErrorHandler({ client }));
    await request(app).get(`/reset?token=x;${K}semi'${K}quote&page=2`).expect(500);
    await client.shutdown();
    const [event] = await server.waitForEvents(1, (e) => e.event === '$exception');
    expect(event?.properties.url).toBe(`/reset?token=${REDACTED}&page=2`);
    expect(event?.properties.$current_url).toMatch(
      /^http:\/\/127\.0\.0\.1:\d+\/reset\?token=\[redacted\]&page=2$/,
    );
    expect(wire()).not.toContain(K);
  });

  it('sends $ai_base_url as given, its credentials and secret values redacted, its harmless query kept', async () => {
    await traceGeneration(
      {
        provider: 'azure',
        model: 'm',
        client,
        baseUrl: `https://deploy:${K}pw@azure.example/openai/?api-version=2024-10-21&key=${K}q`,
      },
      async () => ({}),
    );
    await client.shutdown();
    const [event] = await server.waitForEvents(1, (e) => e.event === '$ai_generation');
    expect(event?.properties.$ai_base_url).toBe(
      `https://${REDACTED}@azure.example/openai?api-version=2024-10-21&key=${REDACTED}`,
    );
    expect(wire()).not.toContain(K);
  });
});

describe('a client built over the app’s own posthog-node (option `sdk`)', () => {
  function appSdk(beforeSend?: (event: any) => any): PostHog {
    return new PostHog('phc_test', {
      host: server.url,
      ...(beforeSend ? { before_send: beforeSend } : {}),
    });
  }
  function clientOver(sdk: PosthogSdk): PosthogClient {
    const config = loadConfig(
      {},
      { apiKey: 'phc_test', host: server.url, logger: recordingLogger() },
    );
    return new PosthogClient({ config, sdk });
  }

  it("gates posthog-node's own $exception: no secret of the corpus arrives, stack frames kept, the app's before_send after the gate", async () => {
    const seen: string[] = [];
    const sdk = appSdk((event) => {
      seen.push(String(event.properties?.$exception_list?.[0]?.value ?? event.properties?.note));
      return event;
    });
    const own = clientOver(sdk);
    for (const form of SECRET_FORMS) own.captureException(new Error(form.text));
    // What posthog-node and the app send on that SDK themselves passes the gate too.
    sdk.captureException(new Error(`direct: postgres://app:${K}direct@db/prod`), 'd1');
    sdk.capture({ distinctId: 'd1', event: 'app-own', properties: { note: `token=${K}own` } });
    await own.shutdown();
    const events = await server.waitForEvents(
      SECRET_FORMS.length + 1,
      (e) => e.event === '$exception',
    );
    expect(events).toHaveLength(SECRET_FORMS.length + 1);
    for (const event of events) {
      // posthog-node's builder, not the package's fallback: the frames are there.
      expect(event.properties.$exception_list[0].stacktrace.frames.length).toBeGreaterThan(0);
    }
    const [appOwn] = await server.waitForEvents(1, (e) => e.event === 'app-own');
    expect(appOwn?.properties.note).toBe(`token=${REDACTED}`);
    expect(seen).toHaveLength(SECRET_FORMS.length + 2);
    expect(seen.join('\n')).not.toMatch(new RegExp(`${K}|U0VLUkVU|eyJzdWIiOiJTRUtSRVQ`));
    expect(wire()).not.toMatch(new RegExp(`${K}|U0VLUkVU|eyJzdWIiOiJTRUtSRVQ`));
  });

  it('gates an SDK once, however many clients share it', async () => {
    const sdk = appSdk();
    clientOver(sdk);
    const second = clientOver(sdk);
    const steps = (sdk as unknown as { options: { before_send: unknown[] } }).options.before_send;
    expect(steps).toHaveLength(1);
    second.captureException(new Error(`Bearer ${K}twice1234`));
    await second.shutdown();
    const [event] = await server.waitForEvents(1, (e) => e.event === '$exception');
    expect(event?.properties.$exception_list[0].value).toBe(`Bearer ${REDACTED}`);
  });

  it('sends its own gated $exception through an SDK whose before_send it cannot reach', async () => {
    const real = appSdk();
    let ungated = 0;
    // Not posthog-node itself: a wrapper without its options.
    const wrapper: PosthogSdk = {
      capture: (message) => real.capture(message),
      captureException: (error, distinctId, properties) => {
        ungated += 1;
        real.captureException(error, distinctId, properties);
      },
      withContext: (data, fn) => real.withContext(data, fn),
      flush: () => real.flush(),
      shutdown: (ms) => real.shutdown(ms),
    };
    const own = clientOver(wrapper);
    own.captureException(new Error(`connect failed: postgres://app:${K}wrap@db/prod`));
    // What the SDK merges into its events from the request context is gated too.
    own.withContext({ properties: { $current_url: `https://a.example/x?token=${K}ctx` } }, () =>
      own.capture({ event: 'in-context', distinctId: 'd' }),
    );
    await own.shutdown();
    const [inContext] = await server.waitForEvents(1, (e) => e.event === 'in-context');
    expect(inContext?.properties.$current_url).toBe(`https://a.example/x?token=${REDACTED}`);
    const [event] = await server.waitForEvents(1, (e) => e.event === '$exception');
    expect(ungated).toBe(0);
    expect(event?.properties.$exception_message).toBe(
      `connect failed: postgres://${REDACTED}@db/prod`,
    );
    expect(wire()).not.toContain(K);
  });
});

describe('beforeSend, the app’s last word after the gate', () => {
  it('sees the event already redacted, may change it, and may drop it', async () => {
    const seen: string[] = [];
    await client.shutdown();
    client = realClient({}, (event) => {
      seen.push(String(event.properties?.note));
      if (event.event === 'drop-me') return null;
      return { ...event, properties: { ...event.properties, added: 'by the app' } };
    });
    client.capture({ event: 'kept', distinctId: 'd', properties: { note: `password=${K}bs` } });
    client.capture({ event: 'drop-me', distinctId: 'd', properties: { note: 'x' } });
    await client.shutdown();
    const [kept] = await server.waitForEvents(1, (e) => e.event === 'kept');
    expect(seen).toEqual([`password=${REDACTED}`, 'x']);
    expect(kept?.properties).toMatchObject({ note: `password=${REDACTED}`, added: 'by the app' });
    expect(server.events.map((e) => e.event)).not.toContain('drop-me');
  });

  it('refuses a beforeSend that is not a function, naming the value and the fix', () => {
    expect(() => new PosthogClient({ config: loadConfig({}), beforeSend: 'x' as never })).toThrow(
      'new PosthogClient: `beforeSend` must be a function, got "x". Pass a function such as (event) => event.',
    );
  });
});
