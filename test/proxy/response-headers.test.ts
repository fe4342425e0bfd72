import express from 'express';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { PosthogClient } from '../../src/core/client/index.js';
import { downstreamResponseHeaders } from '../../src/proxy/index.js';
import { enabledClient } from '../helpers/client.js';
import { proxySite, send } from './harness.js';
import { startUpstream, type Upstream } from './upstream.js';

let api: Upstream;
let assets: Upstream;
let client: PosthogClient;
let site: { url: string; close(): Promise<void> };
let defaultAnswer: Upstream['answer'];

beforeAll(async () => {
  api = await startUpstream('api');
  assets = await startUpstream('assets');
  defaultAnswer = api.answer;
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
  api.answer = defaultAnswer;
});

/** What an upstream could send that must never act on the app's origin. */
const HOSTILE: [string, string][] = [
  ['Set-Cookie', 'ph_session=upstream-cookie; Path=/; HttpOnly'],
  ['Set-Cookie', 'second=upstream-cookie-2; Path=/'],
  ['Access-Control-Allow-Origin', '*'],
  ['Access-Control-Allow-Credentials', 'true'],
  ['Access-Control-Allow-Headers', 'authorization'],
  ['Access-Control-Expose-Headers', 'x-secret'],
  ['Clear-Site-Data', '"cookies", "storage", "cache"'],
  ['Refresh', '0; url=https://evil.example/'],
  ['Strict-Transport-Security', 'max-age=63072000; includeSubDomains; preload'],
  ['Content-Security-Policy', "script-src 'none'"],
  ['Content-Security-Policy-Report-Only', "default-src 'none'; report-uri https://evil.example/"],
  ['Link', '<https://evil.example/>; rel=preload'],
  ['Alt-Svc', 'h3=":443"; ma=86400'],
  ['Cross-Origin-Opener-Policy', 'same-origin'],
  ['Permissions-Policy', 'camera=()'],
  ['Server-Timing', 'db;dur=53'],
  ['X-Frame-Options', 'ALLOWALL'],
  ['Connection', 'keep-alive, x-hop'],
  ['X-Hop', 'hop'],
];

describe('posthogProxy response headers', () => {
  it.each([
    ['POST', '/ingest/e/'],
    ['POST', '/ingest/flags/?v=2'],
    ['GET', '/ingest/static/array.js'],
    ['HEAD', '/ingest/array/phc_test/config.js'],
  ])(
    '%s %s: upstream Set-Cookie, CORS, Clear-Site-Data, Refresh, HSTS, CSP never reach the client',
    async (method, path) => {
      const upstream = path.includes('/static/') || path.includes('/array/') ? assets : api;
      upstream.answer = (_req, res) => {
        res.writeHead(200, [
          ...HOSTILE.flat(),
          'Content-Type',
          'application/javascript',
          'Cache-Control',
          'public, max-age=300',
          'ETag',
          '"abc"',
          'Last-Modified',
          'Tue, 01 Dec 2026 10:00:00 GMT',
          'Vary',
          'Accept-Encoding',
          'Retry-After',
          '7',
        ]);
        res.end(method === 'HEAD' ? undefined : 'ok();');
      };
      try {
        const answer = await send(site.url, method, path, {
          body: method === 'POST' ? '{}' : undefined,
        });
        expect(answer.status).toBe(200);
        const names = answer.rawHeaders.filter((_, i) => i % 2 === 0).map((n) => n.toLowerCase());
        for (const [name] of HOSTILE) {
          // The proxy's own CSP and Node's own Connection are checked below.
          if (name === 'Content-Security-Policy' || name === 'Connection') continue;
          expect(names, `${name} reached the client`).not.toContain(name.toLowerCase());
        }
        expect(names.filter((name) => name === 'content-security-policy')).toHaveLength(1);
        expect(answer.headers.connection).not.toMatch(/x-hop/);
        expect(answer.rawHeaders.join('\n')).not.toMatch(
          /evil\.example|upstream-cookie|max-age=63072000/,
        );
        expect(answer.headers).toMatchObject({
          'content-type': 'application/javascript',
          'cache-control': 'public, max-age=300',
          etag: '"abc"',
          'last-modified': 'Tue, 01 Dec 2026 10:00:00 GMT',
          vary: 'Accept-Encoding',
          'retry-after': '7',
          'x-content-type-options': 'nosniff',
          'content-security-policy': "default-src 'none'; frame-ancestors 'none'; sandbox",
        });
      } finally {
        upstream.answer = defaultAnswer;
        assets.answer = defaultAnswer;
      }
    },
  );

  it.each([
    ['https://evil.example/static/array.js', undefined],
    ['//evil.example/static/array.js', undefined],
    ['/api/projects/1/', undefined],
    ['/static/../api/projects/', undefined],
    ['javascript:alert(1)', undefined],
    ['/static/1.449.2/array.js', '/ingest/static/1.449.2/array.js'],
    ['1.449.2/recorder.js?v=2', '/ingest/static/1.449.2/recorder.js?v=2'],
  ])('an upstream redirect to %s reaches the client as Location %j', async (location, expected) => {
    assets.answer = (_req, res) => {
      res.writeHead(302, { location, 'content-length': 0 });
      res.end();
    };
    try {
      const answer = await send(site.url, 'GET', '/ingest/static/array.js');
      expect(answer.status).toBe(302);
      expect(answer.headers.location).toBe(expected);
    } finally {
      assets.answer = defaultAnswer;
    }
  });

  it('rewrites a Location under the mount path when the app mounts the proxy under a prefix', async () => {
    const { posthogProxy } = await import('../../src/proxy/index.js');
    const { serve } = await import('../helpers/serve.js');
    const app = express();
    app.use('/_ph', posthogProxy({ client, path: '/i', assetsHost: `${assets.url}/base` }));
    const mounted = await serve(app);
    assets.answer = (_req, res) => {
      res.writeHead(301, {
        location: `${assets.url}/base/static/1.0.0/array.js`,
        'content-length': 0,
      });
      res.end();
    };
    try {
      const answer = await send(mounted.url, 'GET', '/_ph/i/static/array.js');
      expect(assets.seen.at(-1)?.url).toBe('/base/static/array.js');
      expect(answer.headers.location).toBe('/_ph/i/static/1.0.0/array.js');
    } finally {
      assets.answer = defaultAnswer;
      await mounted.close();
    }
  });

  it('keeps only the allow-list from a headers object, whatever its case or shape', () => {
    expect(
      downstreamResponseHeaders(
        {
          'set-cookie': ['a=1', 'b=2'],
          'access-control-allow-origin': '*',
          'content-type': 'application/json',
          location: 'https://evil.example/',
        },
        () => undefined,
      ),
    ).toEqual({
      'content-type': 'application/json',
      'x-content-type-options': 'nosniff',
      'content-security-policy': "default-src 'none'; frame-ancestors 'none'; sandbox",
    });
  });
});
