import { afterEach, describe, expect, it } from 'vitest';
import { INSPECTOR_API_KEY } from '../../../src/apps/inspector/index.js';
import { type StartedReferenceApp, startReferenceApp } from '../../../src/apps/reference/index.js';
import { closedPort } from '../../helpers/capture-server.js';
import { bootUrlOf } from '../../helpers/html.js';

let started: StartedReferenceApp | undefined;
afterEach(async () => {
  await started?.stop();
  started = undefined;
});

const start = (env: Record<string, string>) =>
  startReferenceApp({ env: { POSTHOG_SHUTDOWN_TIMEOUT_MS: '300', ...env }, port: 0, signals: [] });

describe('startReferenceApp: what npm start does with PostHog', () => {
  it('without a key, mounts the inspector and points the server SDK and the snippet at it', async () => {
    started = await start({});
    expect(started.mode).toBe('inspector');
    expect(started.client.config).toMatchObject({
      apiKey: INSPECTOR_API_KEY,
      host: `${started.url}/_inspector`,
      jsSrc: 'self',
      debug: true,
      environment: 'local',
    });
    const home = await (await fetch(`${started.url}/`)).text();
    const boot = await (await fetch(`${started.url}${bootUrlOf(home)}`)).text();
    expect(boot).toContain('"api_host":"/_inspector"');
    // The bundle, served beside the boot script under /_posthog/.
    expect(bootUrlOf(home)).toMatch(/^\/_posthog\//);
    expect(boot).toMatch(/"src":"array\.full\.[0-9a-f]+\.js"/);
    expect(home).toContain('href="/_inspector/"');
    expect((await fetch(started.inspectorUrl ?? '')).status).toBe(200);
  });

  it('keeps the debug route off when DEBUG is explicitly false, and a set environment', async () => {
    started = await start({ DEBUG: 'off', POSTHOG_ENVIRONMENT: 'dev-laptop' });
    expect(started.client.config.debug).toBe(false);
    expect(started.client.config.environment).toBe('dev-laptop');
    expect((await fetch(`${started.url}/api/debug/throw`)).status).toBe(404);
  });

  it('treats DEBUG namespaces as unset: the debug route is on in inspector mode', async () => {
    started = await start({ DEBUG: 'express:*' });
    expect(started.client.config.debug).toBe(true);
    expect((await fetch(`${started.url}/api/debug/throw`)).status).toBe(401);
  });

  it('with a real key, sends to PostHog and mounts no inspector', async () => {
    started = await start({
      POSTHOG_API_KEY: 'phc_real',
      POSTHOG_HOST: `http://127.0.0.1:${await closedPort()}`,
    });
    expect(started.mode).toBe('posthog');
    expect(started.inspector).toBeUndefined();
    expect((await fetch(`${started.url}/_inspector/`)).status).toBe(404);
  });

  it('in production without a key, PostHog is off and the inspector is never mounted', async () => {
    started = await start({ NODE_ENV: 'production' });
    expect(started.mode).toBe('off');
    expect(started.client.enabled).toBe(false);
    expect((await fetch(`${started.url}/_inspector/`)).status).toBe(404);
    expect(
      (await fetch(`${started.url}/_inspector/batch/`, { method: 'POST', body: '{}' })).status,
    ).toBe(404);
  });
});
