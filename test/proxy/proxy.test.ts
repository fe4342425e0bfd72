import { createHash, randomBytes } from 'node:crypto';
import { type IncomingHttpHeaders, request } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app/index.js';
import type { PosthogClient } from '../../src/client/index.js';
import { posthogProxy } from '../../src/proxy/index.js';
import { closedPort } from '../helpers/capture-server.js';
import { enabledClient } from '../helpers/client.js';
import { serve } from '../helpers/serve.js';
import { startUpstream, type Upstream } from './upstream.js';

let api: Upstream;
let assets: Upstream;
let client: PosthogClient;
let site: { url: string; close(): Promise<void> };
const defaultAnswers = {} as Record<'api' | 'assets', Upstream['answer']>;

beforeAll(async () => {
  api = await startUpstream('api');
  assets = await startUpstream('assets');
  defaultAnswers.api = api.answer;
  defaultAnswers.assets = assets.answer;
  ({ client } = enabledClient(api.url));
  site = await serve(
    createApp({ client, proxy: { path: '/ingest', assetsHost: assets.url, timeoutMs: 400 } }),
  );
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
  api.answer = defaultAnswers.api;
  assets.answer = defaultAnswers.assets;
  api.onChunk = undefined;
});

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** A raw HTTP request, so headers such as Cookie and X-Forwarded-For go exactly as given. */
function send(
  method: string,
  path: string,
  { headers = {}, body }: { headers?: Record<string, string>; body?: Buffer | string } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(`${site.url}${path}`, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('posthogProxy against two loopback upstreams', () => {
  it('sends /static/* to the assets host and the rest to the API host, path and query kept', async () => {
    const asset = await send('GET', '/ingest/static/array.js?v=1');
    expect(JSON.parse(asset.body.toString())).toMatchObject({
      name: 'assets',
      url: '/static/array.js?v=1',
    });
    const flags = await send('POST', '/ingest/flags/?v=2&config=true', { body: '{}' });
    expect(JSON.parse(flags.body.toString())).toMatchObject({
      name: 'api',
      method: 'POST',
      url: '/flags/?v=2&config=true',
    });
    const config = await send('GET', '/ingest/array/phc_test/config');
    expect(JSON.parse(config.body.toString())).toMatchObject({
      name: 'api',
      method: 'GET',
      url: '/array/phc_test/config',
    });
    expect(api.seen.map((r) => r.url)).toEqual([
      '/flags/?v=2&config=true',
      '/array/phc_test/config',
    ]);
    expect(assets.seen.map((r) => r.url)).toEqual(['/static/array.js?v=1']);
  });

  it('rewrites Host, appends to X-Forwarded-For, strips cookies and hop-by-hop headers both ways, keeps the rest', async () => {
    const body = Buffer.from(JSON.stringify({ batch: [{ event: '$pageview' }] }));
    const answer = await send('POST', '/ingest/e/?compression=gzip-js', {
      headers: {
        cookie: 'session=secret-session-cookie; demo_user=abc',
        'x-forwarded-for': '203.0.113.9',
        'content-type': 'text/plain',
        'user-agent': 'proxy-test',
        connection: 'keep-alive, x-private',
        'x-private': 'hop',
        'proxy-authorization': 'Basic abc',
      },
      body,
    });
    const [seen] = api.seen;
    expect(seen?.headers.host).toBe(api.host);
    expect(seen?.headers['x-forwarded-for']).toBe('203.0.113.9, 127.0.0.1');
    expect(seen?.headers.cookie).toBeUndefined();
    expect(seen?.headers['x-private']).toBeUndefined();
    expect(seen?.headers['proxy-authorization']).toBeUndefined();
    expect(seen?.headers['content-type']).toBe('text/plain');
    expect(seen?.headers['user-agent']).toBe('proxy-test');
    expect(seen?.headers['content-length']).toBe(String(body.length));
    expect(seen?.body.equals(body)).toBe(true);
    expect(answer.status).toBe(200);
    expect(answer.headers['set-cookie']).toBeUndefined();
    expect(answer.headers['x-hop']).toBeUndefined();
    expect(answer.headers['x-upstream']).toBe('api');
    expect(answer.headers['content-type']).toBe('application/json');
  });

  it('sets X-Forwarded-For to the client address when there was none', async () => {
    await send('GET', '/ingest/decide/');
    expect(api.seen[0]?.headers['x-forwarded-for']).toBe('127.0.0.1');
  });

  it('streams a large body upstream as it arrives, byte for byte', async () => {
    const first = randomBytes(256 * 1024);
    const rest = randomBytes(20 * 1024 * 1024);
    const hash = createHash('sha256').update(first).update(rest).digest('hex');
    const upstreamGotBytes = new Promise<void>((resolve) => {
      api.onChunk = () => resolve();
    });
    const answered = new Promise<Answer>((resolve, reject) => {
      const req = request(
        `${site.url}/ingest/s/`,
        { method: 'POST', headers: { 'content-type': 'text/plain' } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: Buffer.concat(chunks),
            }),
          );
        },
      );
      req.on('error', reject);
      req.write(first);
      // Only once the upstream has bytes does the client send the rest: a buffering proxy would stall here.
      upstreamGotBytes.then(() => req.end(rest));
    });
    const answer = await answered;
    expect(answer.status).toBe(200);
    const [seen] = api.seen;
    expect(seen?.bytes).toBe(first.length + rest.length);
    expect(seen?.sha256).toBe(hash);
    expect(seen?.headers['transfer-encoding']).toBe('chunked');
  });

  it('streams a large response back with its length', async () => {
    const big = randomBytes(8 * 1024 * 1024);
    assets.answer = (_req, res) => {
      res.writeHead(200, {
        'content-type': 'application/javascript',
        'content-length': big.length,
      });
      res.end(big);
    };
    const answer = await send('GET', '/ingest/static/recorder.js');
    expect(answer.headers['content-length']).toBe(String(big.length));
    expect(answer.body.equals(big)).toBe(true);
  });

  it('answers 405 to methods other than GET, HEAD and POST', async () => {
    const answer = await send('PUT', '/ingest/e/', { body: '{}' });
    expect(answer.status).toBe(405);
    expect(answer.headers.allow).toBe('GET, HEAD, POST');
    expect(api.seen).toEqual([]);
  });

  it('answers 504 when the upstream hangs, and the app keeps serving', async () => {
    api.answer = () => {};
    const started = Date.now();
    const answer = await send('POST', '/ingest/batch/', { body: '{}' });
    expect(answer.status).toBe(504);
    expect(JSON.parse(answer.body.toString())).toEqual({
      type: 'proxy_error',
      detail: 'PostHog did not answer in time',
    });
    expect(Date.now() - started).toBeLessThan(3_000);
    expect((await send('GET', '/api/health')).status).toBe(200);
  });

  it('answers 502 when the upstream refuses connections, and the app keeps serving', async () => {
    const refused = await serve(
      createApp({
        client,
        proxy: { path: '/ingest', apiHost: `http://127.0.0.1:${await closedPort()}` },
      }),
    );
    try {
      const answer = await fetch(`${refused.url}/ingest/e/`, { method: 'POST', body: '{}' });
      expect(answer.status).toBe(502);
      expect(await answer.json()).toEqual({
        type: 'proxy_error',
        detail: 'PostHog could not be reached',
      });
      expect((await fetch(`${refused.url}/api/health`)).status).toBe(200);
    } finally {
      await refused.close();
    }
  });

  it('stops the upstream request when the browser goes away mid-body', async () => {
    const arrived = api.nextRequest();
    const req = request(`${site.url}/ingest/s/`, {
      method: 'POST',
      headers: { 'content-length': '1000000' },
    });
    req.on('error', () => {});
    req.write(Buffer.alloc(1000));
    await new Promise((resolve) => setTimeout(resolve, 100));
    req.destroy();
    const seen = await arrived;
    expect(seen.aborted).toBe(true);
    expect((await send('GET', '/api/health')).status).toBe(200);
  });

  it('keeps a self-hosted upstream path prefix, and leaves other paths to the app', async () => {
    const proxied = await serve(
      createApp({ client, proxy: { path: '/ph', apiHost: `${api.url}/posthog` } }),
    );
    try {
      await fetch(`${proxied.url}/ph/e/`, { method: 'POST', body: '{}' });
      expect(api.seen.map((r) => r.url)).toEqual(['/posthog/e/']);
      expect((await fetch(`${proxied.url}/phone`)).status).toBe(404);
    } finally {
      await proxied.close();
    }
  });
});

describe('createApp with a proxy', () => {
  it("points the snippet's api_host at the proxy path and sets ui_host", async () => {
    const { client: cloud } = enabledClient('https://eu.i.posthog.com');
    const app = await serve(createApp({ client: cloud, proxy: { path: '/ingest' } }));
    try {
      const html = await (await fetch(`${app.url}/`)).text();
      expect(html).toContain('"api_host":"/ingest"');
      expect(html).toContain('"ui_host":"https://eu.posthog.com"');
    } finally {
      await app.close();
      await cloud.shutdown(100);
    }
  });
});

describe('posthogProxy options', () => {
  it('passes through when PostHog is off', async () => {
    const { loadConfig } = await import('../../src/config/index.js');
    const { PosthogClient } = await import('../../src/client/index.js');
    const off = new PosthogClient({ config: loadConfig({}) });
    const app = await serve(createApp({ client: off, proxy: { path: '/ingest' } }));
    try {
      expect((await fetch(`${app.url}/ingest/e/`, { method: 'POST', body: '{}' })).status).toBe(
        404,
      );
    } finally {
      await app.close();
    }
  });

  it.each([
    [
      { path: 'ingest' },
      'posthogProxy: `path` must be a path such as \'/ingest\' (a leading /, no trailing /), got "ingest".',
    ],
    [
      { path: '/ingest/' },
      'posthogProxy: `path` must be a path such as \'/ingest\' (a leading /, no trailing /), got "/ingest/".',
    ],
    [
      { timeoutMs: 0 },
      'posthogProxy: `timeoutMs` must be a positive integer (milliseconds), got 0.',
    ],
    [
      { apiHost: 'eu.i.posthog.com' },
      'posthogProxy: `apiHost` must be an http(s) URL such as https://eu.i.posthog.com, got "eu.i.posthog.com".',
    ],
    [
      { assetsHost: 'ftp://x' },
      'posthogProxy: `assetsHost` must be an http(s) URL such as https://eu.i.posthog.com, got "ftp://x".',
    ],
  ])('rejects %j with a message saying what to write', (options, message) => {
    expect(() => posthogProxy({ client, ...options })).toThrow(message);
  });

  it('says what to write when passed to Express uncalled', () => {
    expect(() => posthogProxy({ headers: {}, method: 'GET' } as never)).toThrow(
      /call it — app.use\(posthogProxy\(\{ path: '\/ingest' \}\)\)/,
    );
  });
});
