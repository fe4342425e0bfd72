/**
 * Configuration values an operator gets wrong in ways that used to pass
 * silently: credentials in the host, and integers out of a knob's range.
 */
import { describe, expect, it } from 'vitest';
import { PosthogClient } from '../../../src/core/client/index.js';
import { loadConfig } from '../../../src/core/config/index.js';
import { initOptions } from '../../../src/snippet/render.js';
import { startCaptureServer } from '../../helpers/capture-server.js';
import { recordingLogger } from '../../helpers/logger.js';

function load(env: Record<string, string>, options = {}) {
  const logger = recordingLogger();
  const config = loadConfig(env, { ...options, logger });
  return { config, warnings: logger.warnings() };
}

describe('a host with credentials', () => {
  it('drops the userinfo with one warning naming the variable, never the password', () => {
    const { config, warnings } = load({
      POSTHOG_API_KEY: 'phc_x',
      POSTHOG_HOST: 'https://user:hunter2@ph.example.com/',
    });
    expect(config.host).toBe('https://ph.example.com');
    expect(config.uiHost).toBe('https://ph.example.com');
    expect(config.assetsHost).toBe('https://ph.example.com');
    expect(initOptions(config, config.host).api_host).toBe('https://ph.example.com');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('POSTHOG_HOST=');
    expect(warnings[0]).toContain('holds credentials');
    expect(warnings[0]).toContain('https://ph.example.com is used');
    expect(warnings[0]).not.toContain('hunter2');
    expect(warnings[0]).not.toContain('user:');
  });

  it.each([
    ['POSTHOG_UI_HOST', { POSTHOG_UI_HOST: 'https://tok3n@app.example.com' }, 'uiHost'],
    ['option host', { host: 'https://a:b@ph.example.com/ingest' }, 'host'],
  ])('applies to %s too', (_, values, key) => {
    const env = 'host' in values ? {} : (values as Record<string, string>);
    const options = 'host' in values ? values : {};
    const { config, warnings } = load(env, options);
    expect(String(config[key as 'host'])).not.toMatch(/tok3n|a:b/);
    expect(warnings).toHaveLength(1);
    expect(warnings.join()).not.toMatch(/tok3n|:b@/);
  });

  it('never echoes credentials in the error for a host that is not a host URL at all', () => {
    const logger = recordingLogger();
    loadConfig({ POSTHOG_HOST: 'https://user:hunter2@ph.example.com?x=1' }, { logger });
    const errors = logger.lines.filter((l) => l.level === 'error');
    expect(errors).toHaveLength(1);
    expect(JSON.stringify(logger.lines)).not.toContain('hunter2');
  });

  it('sends events to the cleaned host: posthog-node cannot send to a URL holding credentials', async () => {
    const server = await startCaptureServer();
    const logger = recordingLogger();
    const host = server.url.replace('http://', 'http://user:hunter2@');
    const client = new PosthogClient({
      config: loadConfig({ POSTHOG_API_KEY: 'phc_x', POSTHOG_HOST: host }, { logger }),
    });
    client.capture({ event: 'through the cleaned host', distinctId: 'd' });
    await client.shutdown();
    const events = await server.waitForEvents(1, (e) => e.event === 'through the cleaned host');
    expect(events).toHaveLength(1);
    expect(JSON.stringify(server.requests)).not.toContain('hunter2');
    await server.close();
  });
});

describe('integer knobs out of range', () => {
  it('POSTHOG_SHUTDOWN_TIMEOUT_MS=3000000000 is not a 1 ms timer: warning and the default', () => {
    const { config, warnings } = load({ POSTHOG_SHUTDOWN_TIMEOUT_MS: '3000000000' });
    expect(config.shutdownTimeoutMs).toBe(5_000);
    expect(warnings).toEqual([
      'POSTHOG_SHUTDOWN_TIMEOUT_MS="3000000000" is above the most allowed, 2147483647; use an integer from 1 to 2147483647. Using the default 5000.',
    ]);
  });

  it.each([
    ['2147483647', 2_147_483_647, 0],
    ['1', 1, 0],
    ['0', 5_000, 1],
    ['-5', 5_000, 1],
    ['1e3', 5_000, 1],
    ['99999999999999999999', 5_000, 1],
  ])('POSTHOG_SHUTDOWN_TIMEOUT_MS=%s → %i', (raw, expected, warningCount) => {
    const { config, warnings } = load({ POSTHOG_SHUTDOWN_TIMEOUT_MS: raw });
    expect(config.shutdownTimeoutMs).toBe(expected);
    expect(warnings).toHaveLength(warningCount);
  });

  it('bounds the option too', () => {
    const { config, warnings } = load({}, { shutdownTimeoutMs: 2 ** 31 });
    expect(config.shutdownTimeoutMs).toBe(5_000);
    expect(warnings).toHaveLength(1);
  });
});
