import express from 'express';
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CHECK_EXIT, runCheck } from '../../../src/cli/check.js';
import { PosthogClient } from '../../../src/core/client/index.js';
import { loadConfig } from '../../../src/core/config/index.js';
import { posthogSnippet } from '../../../src/snippet/posthog-snippet.js';
import { type CaptureServer, startCaptureServer } from '../../helpers/capture-server.js';
import { recordingLogger } from '../../helpers/logger.js';

let server: CaptureServer;
beforeEach(async () => {
  server = await startCaptureServer();
});
afterEach(async () => {
  await server.close();
});

/** Loads the config from `env`, sends one event with a real client, and says what happened. */
async function sendWith(env: Record<string, string>) {
  const logger = recordingLogger();
  const config = loadConfig(env, { logger });
  const client = new PosthogClient({ config });
  client.capture({ event: 'probe', distinctId: 'd' });
  await client.shutdown(2_000);
  const of = (level: string) => logger.lines.filter((l) => l.level === level).map((l) => l.message);
  return { config, errors: of('error'), warnings: of('warn'), logger };
}

describe('POSTHOG_API_KEY', () => {
  const PERSONAL = 'POSTHOG_API_KEY holds a personal or secret API key';
  const OTHER = 'POSTHOG_API_KEY holds what looks like a secret of another service';
  it.each([
    ['phx_SEKRETpersonal123', PERSONAL],
    ['phs_SEKRETsecret123', PERSONAL],
    ['"phx_SEKRETquoted123"', PERSONAL],
    ['sk-proj-SEKRETabcdef123', OTHER],
    ['ghp_SEKRETabcdef0123456789', OTHER],
    ['AKIASEKRET0123456789', OTHER],
    ['eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJTRUtSRVQ.SEKRETsig', OTHER],
    ['"xoxb-1234-SEKRETslack"', OTHER],
  ])(
    'refuses the key %s: off, one error naming the variable, the key in no output',
    async (key, error) => {
      const { config, errors, logger } = await sendWith({
        POSTHOG_API_KEY: key,
        POSTHOG_HOST: server.url,
      });
      expect(config.enabled).toBe(false);
      expect(config.apiKey).toBeUndefined();
      expect(errors).toEqual([expect.stringContaining(error)]);
      expect(config.refused).toBe(errors[0]);
      expect(JSON.stringify(logger.lines)).not.toMatch(/SEKRET|U0VLUkVU/);
      expect(JSON.stringify(config)).not.toMatch(/SEKRET|U0VLUkVU/);
      expect(server.connections).toBe(0);
    },
  );

  it.each([
    ['undefined', '("undefined")'],
    ['$POSTHOG_KEY', '("$POSTHOG_KEY")'],
    ['phc_x y', '(phc_ then'],
    ['"phc_unbalanced', '(phc_ then'],
  ])(
    'uses %s, which is no project key but no secret either, with one warning',
    async (key, says) => {
      const { config, errors, warnings } = await sendWith({
        POSTHOG_API_KEY: key,
        POSTHOG_HOST: server.url,
      });
      expect(config.enabled).toBe(true);
      expect(config.apiKey).toBe(key);
      expect(errors).toEqual([]);
      expect(warnings).toEqual([expect.stringContaining('POSTHOG_API_KEY')]);
      expect(warnings[0]).toContain('does not look like a PostHog project key');
      expect(warnings[0]).toContain(says);
    },
  );

  it('strips surrounding quotes with a warning, and the key without them reaches PostHog', async () => {
    const { config, warnings } = await sendWith({
      POSTHOG_API_KEY: '"phc_quoted"',
      POSTHOG_HOST: server.url,
    });
    expect(config.apiKey).toBe('phc_quoted');
    expect(warnings).toEqual([
      'POSTHOG_API_KEY is wrapped in quotes ("…"); they are dropped. Remove them from the value (an env file loaded without quote handling keeps them).',
    ]);
    const [probe] = await server.waitForEvents(1, (e) => e.event === 'probe');
    expect(JSON.stringify(server.requests.map((r) => r.body))).toContain('"api_key":"phc_quoted"');
    expect(probe).toBeDefined();
  });

  it('serves no snippet, and so no key, to a page when the key is refused', async () => {
    const logger = recordingLogger();
    const config = loadConfig({ POSTHOG_API_KEY: 'phx_SEKRETboot123' }, { logger });
    const app = express();
    app.use(posthogSnippet({ client: new PosthogClient({ config }) }));
    app.get('/', (_req, res) => {
      res.type('html').send('<!DOCTYPE html><html><head></head><body>page</body></html>');
    });
    const page = await request(app).get('/').expect(200);
    expect(page.text).toBe('<!DOCTYPE html><html><head></head><body>page</body></html>');
  });

  it.each([
    ['phs_SEKRETcheck123', 'FAIL: POSTHOG_API_KEY holds a personal or secret API key'],
    ['sk-proj-SEKRETcheck123', 'FAIL: POSTHOG_API_KEY holds what looks like a secret'],
  ])(
    'makes `express-posthog check` fail for %s with the same error, the key in no output',
    async (key, error) => {
      const lines: string[] = [];
      const code = await runCheck({
        env: { POSTHOG_API_KEY: key, POSTHOG_HOST: server.url },
        out: (line) => lines.push(line),
        err: (line) => lines.push(line),
      });
      expect(code).toBe(CHECK_EXIT.notConfigured);
      expect(lines.filter((l) => l.startsWith(error))).toHaveLength(1);
      expect(lines.join('\n')).not.toContain('SEKRET');
      expect(server.connections).toBe(0);
    },
  );
});

describe('POSTHOG_HOST', () => {
  it.each([
    'htps://posthog.example.com',
    'posthog.example.com',
    'ftp://posthog.example.com',
    'https://posthog.example.com/?x=1',
  ])(
    'turns the package off for %s: one error naming the value, nothing sent, no EU fallback',
    async (host) => {
      const { config, errors } = await sendWith({ POSTHOG_API_KEY: 'phc_x', POSTHOG_HOST: host });
      expect(config.enabled).toBe(false);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toContain(`POSTHOG_HOST=${JSON.stringify(host)} is not an http(s) URL`);
      expect(errors[0]).toContain('stays off');
      expect(server.connections).toBe(0);
    },
  );

  it.each([
    ['https://eu.posthog.com', 'https://eu.i.posthog.com'],
    ['https://us.posthog.com', 'https://us.i.posthog.com'],
    ['https://app.posthog.com/', 'https://us.i.posthog.com'],
  ])('maps the app host %s to its ingestion host %s, with a warning', (host, ingestion) => {
    const logger = recordingLogger();
    const config = loadConfig({ POSTHOG_API_KEY: 'phc_x', POSTHOG_HOST: host }, { logger });
    expect(config.enabled).toBe(true);
    expect(config.host).toBe(ingestion);
    expect(logger.warnings()).toEqual([
      `POSTHOG_HOST=${JSON.stringify(host.replace(/\/$/, ''))} is PostHog's app host, which does not take events; using its ingestion host ${ingestion}. Set POSTHOG_HOST=${ingestion}.`,
    ]);
  });

  it.each(['/e/', '/capture/', '/batch/', '/i/v0/e/', '/e'])(
    'drops the endpoint path %s with a warning, and events reach the host',
    async (path) => {
      const { config, warnings } = await sendWith({
        POSTHOG_API_KEY: 'phc_x',
        POSTHOG_HOST: `${server.url}${path}`,
      });
      expect(config.host).toBe(server.url);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain('ends with an endpoint path');
      expect(await server.waitForEvents(1, (e) => e.event === 'probe')).toHaveLength(1);
    },
  );

  it('keeps a proxy path that is not an endpoint', () => {
    const logger = recordingLogger();
    const config = loadConfig(
      { POSTHOG_API_KEY: 'phc_x', POSTHOG_HOST: 'https://app.example.com/ingest' },
      { logger },
    );
    expect(config.host).toBe('https://app.example.com/ingest');
    expect(logger.lines).toEqual([]);
  });
});
