import { describe, expect, it } from 'vitest';
import { loadAppConfig } from '../../../src/core/config/app.js';
import { loadConfig } from '../../../src/core/config/index.js';
import { recordingLogger } from '../../helpers/logger.js';

function load(env: Record<string, string>) {
  const logger = recordingLogger();
  return { app: loadAppConfig(env, logger), warnings: logger.warnings() };
}

describe('loadAppConfig', () => {
  it('listens on 127.0.0.1:3000 with a per-process secret when nothing is set', () => {
    expect(load({})).toEqual({
      app: {
        port: 3000,
        host: '127.0.0.1',
        demoAuthSecret: undefined,
        production: false,
        debug: undefined,
      },
      warnings: [],
    });
  });

  it('reads PORT, HOST and DEMO_AUTH_SECRET, trimmed', () => {
    const { app, warnings } = load({ PORT: ' 8080 ', HOST: ' 0.0.0.0 ', DEMO_AUTH_SECRET: ' s ' });
    expect(app).toMatchObject({ port: 8080, host: '0.0.0.0', demoAuthSecret: 's' });
    expect(warnings).toEqual([]);
  });

  it('warns once with the value and uses 3000 for a PORT that is not a port', () => {
    expect(load({ PORT: 'http' }).warnings).toEqual([
      'PORT="http" is not a positive integer; using the default 3000.',
    ]);
    expect(load({ PORT: '70000' })).toMatchObject({
      app: { port: 3000 },
      warnings: ['PORT=70000 is above 65535; using the default 3000.'],
    });
  });

  it('reads DEBUG and NODE_ENV as loadConfig does', () => {
    for (const DEBUG of ['1', 'on', 'TRUE', '0', 'off', '', ' ', 'express:*', 'express-posthog']) {
      for (const NODE_ENV of ['production', ' Production ', 'development', '']) {
        const app = loadAppConfig({ DEBUG, NODE_ENV }, recordingLogger());
        const config = loadConfig({ DEBUG, NODE_ENV }, { logger: recordingLogger() });
        expect(app.production, `${DEBUG} ${NODE_ENV}`).toBe(config.production);
        // The library's debug route: DEBUG true, and not production.
        expect(app.debug === true && !app.production, `${DEBUG} ${NODE_ENV}`).toBe(config.debug);
      }
    }
    expect(load({ DEBUG: 'express:*' }).app.debug).toBe(undefined);
    expect(load({ DEBUG: 'off' }).app.debug).toBe(false);
  });
});
