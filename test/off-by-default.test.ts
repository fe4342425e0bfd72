import compression from 'compression';
import express from 'express';
import { PostHog } from 'posthog-node';
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createApp } from '../src/apps/reference/index.js';
import {
  captureJobFailure,
  debugRouter,
  getPosthog,
  loadConfig,
  posthogErrorHandler,
  posthogSnippet,
  posthogUser,
  resetPosthog,
  runCli,
  traceGeneration,
  withJobCapture,
} from '../src/index.js';
import { type CaptureServer, startCaptureServer } from './helpers/capture-server.js';
import { PAGE, snippetCount } from './helpers/html.js';

let server: CaptureServer;

beforeEach(async () => {
  server = await startCaptureServer();
  await resetPosthog();
  // Everything pointed at the capture server, but no key: docs/observability.md says nothing may reach it.
  vi.stubEnv('POSTHOG_API_KEY', '');
  vi.stubEnv('POSTHOG_HOST', server.url);
  vi.stubEnv('DEBUG', '1');
});

afterEach(async () => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
  await resetPosthog();
  await server.close();
});

describe('with POSTHOG_API_KEY unset', () => {
  it('constructs no posthog-node client and opens no socket, across every public function', async () => {
    const constructed = vi.spyOn(PostHog.prototype as any, 'initializeContext');
    expect(loadConfig().enabled).toBe(false);

    const app = express();
    app.use(compression());
    app.use(posthogSnippet());
    app.use((req, _res, next) => {
      (req as any).user = { id: 'u1', email: 'a@x.io' };
      next();
    });
    app.use(posthogUser());
    app.use(debugRouter());
    app.get('/page', (_req, res) => res.send(PAGE));
    app.get('/boom', () => {
      throw new Error('boom');
    });
    app.use(posthogErrorHandler());

    const page = await request(app).get('/page').set('Accept', 'text/html');
    expect(page.text).toBe(PAGE);
    expect(snippetCount(page.text)).toBe(0);
    expect((await request(app).get('/boom')).status).toBe(500);
    expect((await request(app).get('/api/debug/throw')).status).toBe(500);

    const reference = await request(createApp()).get('/').set('Accept', 'text/html');
    expect(reference.status).toBe(200);
    expect(snippetCount(reference.text)).toBe(0);

    expect(
      await traceGeneration({ provider: 'openai', model: 'gpt-x' }, async () => 'answer'),
    ).toBe('answer');
    await expect(
      traceGeneration({ provider: 'openai', model: 'gpt-x' }, async () => {
        throw new Error('provider down');
      }),
    ).rejects.toThrow('provider down');
    captureJobFailure(new Error('job failed'), { job: 'nightly' });
    await expect(
      withJobCapture('nightly', async () => {
        throw new Error('job failed again');
      }),
    ).rejects.toThrow('job failed again');
    const exitCode = process.exitCode;
    await runCli(async () => undefined, { name: 'tool', argv: ['--token', 'x'] });
    process.exitCode = exitCode;

    const client = getPosthog();
    client.capture({ event: 'x', distinctId: 'd' });
    client.captureException(new Error('direct'));
    expect(await client.isFeatureEnabled('flag', 'd', true)).toBe(true);
    await client.flush();
    await client.shutdown();

    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(constructed).not.toHaveBeenCalled();
    expect(client.sdk).toBeUndefined();
    expect(server.connections).toBe(0);
    expect(server.events).toEqual([]);
  });
});
