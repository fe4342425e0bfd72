import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import express from 'express';
import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { PosthogClient } from '../../src/core/client/index.js';
import { classifyPath } from '../../src/proxy/index.js';
import { enabledClient } from '../helpers/client.js';
import { proxySite, send } from './harness.js';
import { startUpstream, type Upstream } from './upstream.js';

let api: Upstream;
let assets: Upstream;
let client: PosthogClient;
let site: { url: string; close(): Promise<void> };

beforeAll(async () => {
  api = await startUpstream('api');
  assets = await startUpstream('assets');
  // The paths and pages of this file name the key `phc_test`.
  ({ client } = enabledClient(api.url, { apiKey: 'phc_test' }));
  site = await proxySite(express, client, { path: '/ingest', assetsHost: assets.url });
});

afterAll(async () => {
  await site?.close();
  await client?.shutdown(100);
  await api?.close();
  await assets?.close();
});

beforeEach(() => {
  api.seen.length = 0;
  assets.seen.length = 0;
});

/** posthog-js's bundles as installed (the main one, and the lazily loaded widget): the list is checked against them. */
const bundle = ['posthog-js/dist/array.full.js', 'posthog-js/dist/conversations.js']
  .map((name) => readFileSync(createRequire(import.meta.url).resolve(name), 'utf8'))
  .join('\n');

// [a request posthog-js makes, a literal of the installed bundle that builds it, the host]
const POSTHOG_JS_REQUESTS = [
  ['/e/?ip=0&_=1700000000000&ver=1.449.2&compression=gzip-js', '"/e/"', 'api'],
  ['/i/v0/e/?compression=gzip-js', '.endpoint', 'api'],
  ['/s/?compression=gzip-js', '"/s/"', 'api'],
  ['/flags/?v=2&config=true', '"/flags/?v=2"', 'api'],
  ['/i/v1/logs', '"/i/v1/logs"', 'api'],
  ['/i/v1/metrics', '"/i/v1/metrics"', 'api'],
  ['/api/surveys/?token=phc_test', '"/api/surveys/"', 'api'],
  ['/api/product_tours/?token=phc_test', '/api/product_tours/?token=', 'api'],
  ['/api/web_experiments/?token=phc_test', '/api/web_experiments/?token=', 'api'],
  ['/api/early_access_features/?token=phc_test', '/api/early_access_features/?token=', 'api'],
  ['/api/conversations/v1/widget/message', '"/api/conversations/v1/widget/message"', 'api'],
  [
    '/api/conversations/v1/widget/messages/0190f6b1-7c2e-7000-8000-000000000000/read',
    '/api/conversations/v1/widget/messages/',
    'api',
  ],
  ['/static/array.js', '/static/', 'assets'],
  ['/static/recorder.js?v=1.449.2', '.js?v=${', 'assets'],
  ['/static/1.449.2/lazy-recorder.js', '/static/${', 'assets'],
  ['/array/phc_test/config', '/array/${', 'assets'],
  ['/array/phc_test/config.js', '/config.js`', 'assets'],
] as const;

describe('posthogProxy paths', () => {
  it.each(POSTHOG_JS_REQUESTS)(
    'forwards %s (built by posthog-js from %s) to the %s host, path and query kept',
    async (path, literal, host) => {
      expect(bundle.includes(literal), `posthog-js no longer contains ${literal}`).toBe(true);
      const answer = await send(site.url, 'POST', `/ingest${path}`, { body: '{}' });
      expect(answer.status).toBe(200);
      const upstream = host === 'api' ? api : assets;
      const other = host === 'api' ? assets : api;
      expect(upstream.seen.map((r) => r.url)).toEqual([path]);
      expect(other.seen).toEqual([]);
    },
  );

  it.each([
    '/ingest/../admin',
    '/ingest/%2e%2e/admin',
    '/ingest/.%2E/admin',
    '/ingest/%2E%2e/%2e%2e/api/projects/',
    '/ingest/./e/',
    '/ingest/%2e/e/',
    '/ingest/e/..',
    '/ingest/e/.?x=1',
    '/ingest/static/..%2fsecret',
    '/ingest/static/%2F..%2Fapi',
    '/ingest/static/a%2fb.js',
    '/ingest/static/a%5Cb.js',
    '/ingest/static\\..\\admin',
    '/ingest/array/phc\\config',
  ])('answers 400 to %s without touching PostHog', async (path) => {
    const answer = await send(site.url, 'GET', path);
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body.toString())).toMatchObject({ type: 'proxy_error' });
    expect([...api.seen, ...assets.seen]).toEqual([]);
  });

  it.each([
    '/ingest',
    '/ingest/',
    '/ingest?x=1',
    '/ingest/decide/?v=3',
    '/ingest/batch/',
    '/ingest/api/projects/1/',
    '/ingest/api/projects/@current/feature_flags/',
    '/ingest/e',
    '/ingest//e/',
    '/ingest/e/x',
    '/ingest/s/%41',
    '/ingest/static/',
    '/ingest/static/a/b/c.js',
    '/ingest/array/phc_test/config.json',
    '/ingest/site_app/1/phc_test/abc/',
    '/ingest/admin',
  ])('answers 404 to %s without touching PostHog', async (path) => {
    const answer = await send(site.url, 'POST', path, { body: '{}' });
    expect(answer.status).toBe(404);
    expect(JSON.parse(answer.body.toString())).toEqual({
      type: 'proxy_error',
      detail: 'not a PostHog path',
    });
    expect([...api.seen, ...assets.seen]).toEqual([]);
  });

  it('leaves paths outside its prefix to the app', async () => {
    for (const path of ['/ingester', '/x/../ingest/e/', '/INGEST/e/', '/%69ngest/e/']) {
      const answer = await send(site.url, 'GET', path);
      expect(answer.body.toString(), path).toBe('app 404');
    }
    expect([...api.seen, ...assets.seen]).toEqual([]);
  });
});

describe('classifyPath', () => {
  const piece = fc.constantFrom(
    '/',
    '.',
    '..',
    '%2e',
    '%2E',
    '%2f',
    '%5c',
    '%25',
    '\\',
    'e',
    's',
    'static',
    'array',
    'config',
    'a.js',
    '?',
    '%',
    '2e',
  );

  it('forwards only paths that no URL parser would move: normalising and decoding change nothing', () => {
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 8 }), (pieces) => {
        const rest = `/${pieces.join('')}`;
        const decision = classifyPath(rest);
        if (decision.kind !== 'forward') return;
        const pathname = rest.split('?')[0] ?? '';
        expect(new URL(`http://upstream${pathname}`).pathname).toBe(pathname);
        const decoded = decodeURIComponent(pathname.replace(/%(?![0-9a-f]{2})/gi, '%25'));
        expect(decoded.split('/').some((s) => s === '.' || s === '..')).toBe(false);
        expect(decoded).not.toMatch(/\\/);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('posthogProxy and project keys', () => {
  it.each([
    '/ingest/array/phc_test/config.js',
    '/ingest/array/phc_test/config',
    '/ingest/api/surveys/?token=phc_test',
    '/ingest/flags/?v=2&token=phc_test',
  ])("forwards %s, which names the app's own project", async (path) => {
    const answer = await send(site.url, 'GET', path);
    expect(answer.status).toBe(200);
    expect([...api.seen, ...assets.seen].map((r) => r.url)).toEqual([path.slice('/ingest'.length)]);
  });

  it.each([
    '/ingest/array/phc_attacker/config.js',
    '/ingest/array/phc_attacker/config',
    '/ingest/array/attacker/config.js',
    '/ingest/array/phc_TEST/config.js',
    '/ingest/api/surveys/?token=phc_attacker',
    '/ingest/api/surveys/?token=phc_test&token=phc_attacker',
    '/ingest/api/surveys/?TOKEN=phc_attacker',
    '/ingest/api/surveys/?token=%70hc_attacker',
    '/ingest/flags/?v=2&api_key=phc_attacker',
    '/ingest/flags/?v=2&config=phc_attacker',
    '/ingest/e/?ip=0&x=%70hc_attacker',
  ])('answers 404 to %s, which names another project, without touching PostHog', async (path) => {
    const answer = await send(site.url, 'GET', path);
    expect(answer.status).toBe(404);
    expect(JSON.parse(answer.body.toString())).toEqual({
      type: 'proxy_error',
      detail: "another project's key",
    });
    expect([...api.seen, ...assets.seen]).toEqual([]);
  });

  it('property: a path naming any other key is never forwarded', () => {
    const key = fc
      .stringMatching(/^[A-Za-z0-9_-]{1,24}$/)
      .filter((candidate) => candidate !== 'phc_test');
    fc.assert(
      fc.property(key, fc.constantFrom('config', 'config.js'), (other, file) => {
        expect(classifyPath(`/array/${other}/${file}`, 'phc_test').kind).toBe('refuse');
        expect(classifyPath(`/api/surveys/?token=${other}`, 'phc_test').kind).toBe('refuse');
        expect(
          classifyPath(`/flags/?v=2&token=${encodeURIComponent(other)}`, 'phc_test').kind,
        ).toBe('refuse');
      }),
      { numRuns: 500 },
    );
  });
});
