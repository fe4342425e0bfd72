import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { type IncomingHttpHeaders, request } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/apps/reference/index.js';
import type { PosthogClient } from '../../src/core/client/index.js';
import { posthogProxy } from '../../src/proxy/index.js';
import { closedPort } from '../helpers/capture-server.js';
import { enabledClient } from '../helpers/client.js';
import { bootUrlOf } from '../helpers/html.js';
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
  // The paths and pages of this file name the key `phc_test`.
  ({ client } = enabledClient(api.url, { apiKey: 'phc_test' }));
  site = await serve(
    // A bound far above what the large transfers below take on a loaded 2-core machine; the
    // timeout test has a site of its own with a short one.
    createApp({ client, proxy: { path: '/ingest', assetsHost: assets.url, timeoutMs: 10_000 } }),
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
  {
    headers = {},
    body,
    to = site.url,
  }: { headers?: Record<string, string>; body?: Buffer | string; to?: string } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(`${to}${path}`, { method, headers }, (res) => {
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
  it('sends /static/* and /array/* to the assets host and the rest to the API host, path and query kept', async () => {
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
      name: 'assets',
      method: 'GET',
      url: '/array/phc_test/config',
    });
    expect(api.seen.map((r) => r.url)).toEqual(['/flags/?v=2&config=true']);
    expect(assets.seen.map((r) => r.url)).toEqual([
      '/static/array.js?v=1',
      '/array/phc_test/config',
    ]);
  });

  it('rewrites Host, keeps the allowed headers and the body, and answers with the upstream status', async () => {
    const body = Buffer.from(JSON.stringify({ batch: [{ event: '$pageview' }] }));
    const answer = await send('POST', '/ingest/e/?compression=gzip-js', {
      headers: { 'content-type': 'text/plain', 'user-agent': 'proxy-test' },
      body,
    });
    const [seen] = api.seen;
    expect(seen?.headers.host).toBe(api.host);
    expect(seen?.headers['content-type']).toBe('text/plain');
    expect(seen?.headers['user-agent']).toBe('proxy-test');
    expect(seen?.headers['content-length']).toBe(String(body.length));
    expect(seen?.body.equals(body)).toBe(true);
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('application/json');
    expect(answer.headers['x-upstream']).toBeUndefined();
  });

  it('streams a large body upstream as it arrives, byte for byte, under the 20 MiB default cap', async () => {
    const first = randomBytes(256 * 1024);
    const rest = randomBytes(8 * 1024 * 1024);
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

  it('holds the upstream back while the browser does not read (back-pressure, no buffering)', async () => {
    let written = 0;
    let upstreamClosed = false;
    assets.answer = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/javascript' });
      const chunk = Buffer.alloc(64 * 1024, 0x61);
      const pump = () => {
        while (!res.destroyed) {
          written += chunk.length;
          if (!res.write(chunk)) {
            res.once('drain', pump);
            return;
          }
        }
      };
      res.on('close', () => {
        upstreamClosed = true;
      });
      pump();
    };
    const { port } = new URL(site.url);
    const req = request({ port, hostname: '127.0.0.1', path: '/ingest/static/recorder.js' });
    const res = await new Promise<import('node:http').IncomingMessage>((resolve, reject) => {
      req.on('response', resolve);
      req.on('error', reject);
      req.end();
    });
    res.pause();
    // Held back means the upstream stops writing: sample until it has written nothing new for
    // 300 ms. Unbounded buffering never settles (it grows by hundreds of MiB a second).
    let settledAt = -1;
    for (let waited = 0, last = -1, still = 0; waited < 5000 && still < 3; waited += 100) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      still = written === last ? still + 1 : 0;
      last = written;
      if (still === 3) settledAt = written;
    }
    expect(settledAt).toBeGreaterThan(0);
    // What it wrote before settling sits in the kernel's socket buffers (two hops, each up to
    // the receive plus send maximum of net.ipv4.tcp_rmem/tcp_wmem) and the streams' high-water marks.
    expect(written).toBeLessThan(
      2 * (socketBufferMax('tcp_rmem') + socketBufferMax('tcp_wmem')) + 8 * 1024 * 1024,
    );
    res.destroy();
    await expect.poll(() => upstreamClosed, { timeout: 2000 }).toBe(true);
  });

  it('answers 405 to methods other than GET, HEAD and POST', async () => {
    const answer = await send('PUT', '/ingest/e/', { body: '{}' });
    expect(answer.status).toBe(405);
    expect(answer.headers.allow).toBe('GET, HEAD, POST');
    expect(api.seen).toEqual([]);
  });

  it('answers 504 when the upstream hangs, and the app keeps serving', async () => {
    const short = await serve(
      createApp({ client, proxy: { path: '/ingest', assetsHost: assets.url, timeoutMs: 400 } }),
    );
    try {
      api.answer = () => {};
      const started = Date.now();
      const answer = await send('POST', '/ingest/e/', { body: '{}', to: short.url });
      expect(answer.status).toBe(504);
      expect(JSON.parse(answer.body.toString())).toEqual({
        type: 'proxy_error',
        detail: 'PostHog did not answer in time',
      });
      expect(Date.now() - started).toBeLessThan(3_000);
      expect((await send('GET', '/api/health', { to: short.url })).status).toBe(200);
    } finally {
      await short.close();
    }
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
      const boot = await (await fetch(`${app.url}${bootUrlOf(html)}`)).text();
      expect(boot).toContain('"api_host":"/ingest"');
      expect(boot).toContain('"ui_host":"https://eu.posthog.com"');
    } finally {
      await app.close();
      await cloud.shutdown(100);
    }
  });
});

describe('posthogProxy options', () => {
  it('passes through when PostHog is off', async () => {
    const { loadConfig } = await import('../../src/core/config/index.js');
    const { PosthogClient } = await import('../../src/core/client/index.js');
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

  const pathMessage = (value: string) =>
    `posthogProxy: \`path\` must be a path such as '/ingest' (a leading /, no trailing /; letters, digits, . _ ~ - per segment, no . or .. segment), got ${value}.`;
  const urlMessage = (option: string, value: string) =>
    `posthogProxy: \`${option}\` must be an http(s) URL such as https://eu.i.posthog.com, got ${value}.`;

  it.each([
    [{ path: 'ingest' }, pathMessage('"ingest"')],
    [{ path: '/ingest/' }, pathMessage('"/ingest/"')],
    [{ path: '/a/../ingest' }, pathMessage('"/a/../ingest"')],
    [{ path: '/in gest' }, pathMessage('"/in gest"')],
    [{ path: '/%2e%2e' }, pathMessage('"/%2e%2e"')],
    [{ path: 42 }, pathMessage('42')],
    [
      { timeoutMs: 0 },
      'posthogProxy: `timeoutMs` must be a positive integer up to 2147483647 (milliseconds), got 0.',
    ],
    [
      { timeoutMs: 2 ** 31 },
      'posthogProxy: `timeoutMs` must be a positive integer up to 2147483647 (milliseconds), got 2147483648.',
    ],
    [
      { timeoutMs: '5000' },
      'posthogProxy: `timeoutMs` must be a positive integer up to 2147483647 (milliseconds), got "5000".',
    ],
    [
      { maxBodyBytes: 1.5 },
      'posthogProxy: `maxBodyBytes` must be a positive integer up to 9007199254740991 (bytes), got 1.5.',
    ],
    [
      { maxBodyBytes: '20mb' },
      'posthogProxy: `maxBodyBytes` must be a positive integer up to 9007199254740991 (bytes), got "20mb".',
    ],
    [{ apiHost: 'eu.i.posthog.com' }, urlMessage('apiHost', '"eu.i.posthog.com"')],
    [{ assetsHost: 'ftp://x' }, urlMessage('assetsHost', '"ftp://x"')],
    [{ apiHost: 7 }, urlMessage('apiHost', '7')],
    [
      { apiHost: 'https://user:secret@eu.i.posthog.com' },
      'posthogProxy: `apiHost` must not carry credentials (PostHog would get them); drop the user:pass@, got "https://user:secret@eu.i.posthog.com".',
    ],
    [
      { apiHost: 'https://eu.i.posthog.com/?x=1' },
      'posthogProxy: `apiHost` must have no query or fragment, e.g. https://eu.i.posthog.com, got "https://eu.i.posthog.com/?x=1".',
    ],
    [
      { timeout: 5000 },
      'posthogProxy: unknown option `timeout` — did you mean `timeoutMs`? Its options are `path`, `client`, `apiHost`, `assetsHost`, `timeoutMs`, `maxBodyBytes`.',
    ],
  ])('rejects %j with a message saying what to write', (options, message) => {
    expect(() => posthogProxy({ client, ...(options as object) })).toThrow(message);
  });

  it('rejects a client that is not one', () => {
    expect(() => posthogProxy({ client: {} as never })).toThrow(
      'posthogProxy: `client` must be a PosthogClient, got {}. Pass getPosthog() or new PosthogClient({ config: loadConfig() }), or leave it out.',
    );
  });

  it('names the option whose getter throws, and a Proxy whose keys cannot be read', () => {
    const throwing = {
      client,
      get timeoutMs(): number {
        throw new Error('boom');
      },
    };
    expect(() => posthogProxy(throwing)).toThrow(
      'posthogProxy: reading option `timeoutMs` threw (Error: boom); pass a plain value.',
    );
    const revocable = Proxy.revocable({}, {});
    revocable.revoke();
    expect(() => posthogProxy(revocable.proxy)).toThrow(
      /^posthogProxy: the options could not be read \(TypeError: .*\); pass a plain object/,
    );
  });

  it('says what to write when passed to Express uncalled', () => {
    expect(() => posthogProxy({ headers: {}, method: 'GET' } as never)).toThrow(
      /call it — app.use\(posthogProxy\(\{ path: '\/ingest' \}\)\)/,
    );
  });
});

/** The largest buffer the kernel grants one TCP socket (`net.ipv4.<name>`'s max), 8 MiB if unknown. */
function socketBufferMax(name: 'tcp_rmem' | 'tcp_wmem'): number {
  try {
    const max = Number(readFileSync(`/proc/sys/net/ipv4/${name}`, 'utf8').trim().split(/\s+/)[2]);
    return Number.isFinite(max) && max > 0 ? max : 8 * 1024 * 1024;
  } catch {
    return 8 * 1024 * 1024;
  }
}
