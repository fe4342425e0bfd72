import Module from 'node:module';
import express from 'express';
import supertest from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PosthogClient } from '../../src/core/client/index.js';
import { loadConfig } from '../../src/core/config/index.js';
import { posthogSnippet } from '../../src/snippet/index.js';
import { recordingLogger } from '../helpers/logger.js';

const PAGE = '<!DOCTYPE html><html><head><title>t</title></head><body><p>hello</p></body></html>';

type Resolve = (request: string, ...rest: unknown[]) => string;
const moduleInternals = Module as unknown as { _resolveFilename: Resolve };
const realResolve = moduleInternals._resolveFilename;

// posthog-js "not installed": Node's own resolution fails for it, with Node's own error.
beforeEach(() => {
  moduleInternals._resolveFilename = function withoutPosthogJs(request, ...rest) {
    if (request === 'posthog-js' || request.startsWith('posthog-js/')) {
      throw Object.assign(new Error(`Cannot find module '${request}'`), {
        code: 'MODULE_NOT_FOUND',
      });
    }
    return realResolve.call(this, request, ...rest);
  };
});

afterEach(() => {
  moduleInternals._resolveFilename = realResolve;
});

function appWith(env: Record<string, string>, options: Parameters<typeof posthogSnippet>[0] = {}) {
  const logger = recordingLogger();
  const config = loadConfig(
    { POSTHOG_API_KEY: 'phc_test', POSTHOG_HOST: 'http://127.0.0.1:9', ...env },
    { logger },
  );
  const client = new PosthogClient({ config });
  const app = express();
  app.use(posthogSnippet({ client, ...options }));
  app.get('/', (_req, res) => {
    res.type('html').send(PAGE);
  });
  return { app, logger, client };
}

describe('first-party delivery without posthog-js installed', () => {
  it.each([
    ['POSTHOG_FIRST_PARTY=true', { POSTHOG_FIRST_PARTY: 'true' }, {}],
    ['`firstParty: true`', {}, { firstParty: true }],
    ['POSTHOG_JS_SRC=self', { POSTHOG_JS_SRC: 'self' }, {}],
  ] as const)(
    'with %s: one error naming it and npm install posthog-js, no stack, and the app keeps serving',
    async (named, env, options) => {
      const { app, logger, client } = appWith(env, options);
      const response = await supertest(app).get('/').set('Accept', 'text/html');
      expect(response.status).toBe(200);
      // The snippet is off: the page is the app's, byte for byte.
      expect(response.text).toBe(PAGE);
      const errors = logger.lines.filter((line) => line.level === 'error');
      expect(errors).toHaveLength(1);
      expect(errors[0]?.message).toContain(named);
      expect(errors[0]?.message).toContain('npm install posthog-js');
      expect(errors[0]?.message).not.toContain('POSTHOG_JS_SRC=cdn');
      expect(errors[0]?.message).not.toMatch(/\n\s+at /);
      if (!named.includes('JS_SRC')) expect(errors[0]?.message).not.toContain('POSTHOG_JS_SRC');
      await client.shutdown(100);
    },
  );
});
