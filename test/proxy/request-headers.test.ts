import type { IncomingMessage } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { PosthogClient } from '../../src/core/client/index.js';
import { clientAddress } from '../../src/core/http/client-address.js';
import { posthogProxy, REQUEST_HEADERS, upstreamRequestHeaders } from '../../src/proxy/index.js';
import { enabledClient } from '../helpers/client.js';
import { expressVersions } from '../helpers/express-versions.js';
import { proxySite, send } from './harness.js';
import { startUpstream, type Upstream } from './upstream.js';

let api: Upstream;
let client: PosthogClient;

beforeAll(async () => {
  api = await startUpstream('api');
  ({ client } = enabledClient(api.url));
});

afterAll(async () => {
  await client?.shutdown(100);
  await api?.close();
});

beforeEach(() => {
  api.seen.length = 0;
});

/** Every header of the "Why", each with a value that must never reach PostHog. */
const CREDENTIALS: Record<string, string> = {
  authorization: 'Basic YXBwdXNlcjphcHAtcGFzc3dvcmQtc2VjcmV0',
  'proxy-authorization': 'Basic cHJveHktc2VjcmV0',
  cookie: 'session=session-cookie-secret; demo_user=abc',
  'x-api-key': 'x-api-key-secret',
  'x-csrf-token': 'csrf-token-secret',
  referer: 'http://127.0.0.1/reset?token=referer-token-secret',
  forwarded: 'for=192.0.2.66;host=forwarded-host-secret;proto=https',
  'x-forwarded-for': '192.0.2.66',
  'x-forwarded-host': 'x-forwarded-host-secret.example',
  'x-forwarded-proto': 'x-forwarded-proto-secret',
  'x-real-ip': '192.0.2.77',
  'x-app-internal': 'x-app-internal-secret',
};

/** What the upstream may see: the allow-list, and what the proxy itself sets. */
const MAY_ARRIVE = new Set([...REQUEST_HEADERS, 'host', 'x-forwarded-for', 'connection']);

describe.each(expressVersions)('posthogProxy request headers on $name', ({ express }) => {
  it("never passes a credential or client-sent forwarding header of a raw client's request", async () => {
    const site = await proxySite(express, client, { path: '/ingest' });
    try {
      const body = JSON.stringify({ event: '$pageview' });
      const answer = await send(site.url, 'POST', '/ingest/e/?compression=gzip-js', {
        headers: {
          ...CREDENTIALS,
          host: 'spoofed-host.example',
          'content-type': 'text/plain',
          'content-encoding': 'identity',
          'user-agent': 'Mozilla/5.0 proxy-test',
          accept: '*/*',
          'accept-encoding': 'gzip, br',
          'accept-language': 'de-CH',
          origin: 'http://127.0.0.1',
        },
        body,
      });
      expect(answer.status).toBe(200);
      const [seen] = api.seen;
      expect(seen?.url).toBe('/e/?compression=gzip-js');
      const arrived = JSON.stringify(seen?.headers);
      for (const [name, value] of Object.entries(CREDENTIALS)) {
        expect(arrived, `${name} reached the upstream`).not.toContain(value);
      }
      expect(arrived).not.toContain('spoofed-host');
      expect(Object.keys(seen?.headers ?? {}).filter((name) => !MAY_ARRIVE.has(name))).toEqual([]);
      expect(seen?.headers).toMatchObject({
        host: api.host,
        'x-forwarded-for': '127.0.0.1',
        'content-type': 'text/plain',
        'content-encoding': 'identity',
        'content-length': String(body.length),
        'user-agent': 'Mozilla/5.0 proxy-test',
        accept: '*/*',
        'accept-encoding': 'gzip, br',
        'accept-language': 'de-CH',
        origin: 'http://127.0.0.1',
      });
    } finally {
      await site.close();
    }
  });

  it.each([
    // [trust proxy, client-sent X-Forwarded-For, what PostHog gets]
    [false, '198.51.100.7', '127.0.0.1'],
    [true, '198.51.100.7, 203.0.113.5', '198.51.100.7'],
    ['loopback', '198.51.100.7, 203.0.113.5', '203.0.113.5'],
    ['loopback', undefined, '127.0.0.1'],
    [true, 'not-an-address', '127.0.0.1'],
  ] as const)(
    'with trust proxy %j and X-Forwarded-For %j, PostHog gets X-Forwarded-For %j',
    async (trust, spoofed, expected) => {
      const site = await proxySite(express, client, { path: '/ingest' }, (app) =>
        app.set('trust proxy', trust),
      );
      try {
        await send(site.url, 'POST', '/ingest/e/', {
          headers: {
            ...(spoofed ? { 'x-forwarded-for': spoofed } : {}),
            'x-real-ip': '192.0.2.77',
            forwarded: 'for=192.0.2.66',
          },
          body: '{}',
        });
        expect(api.seen[0]?.headers['x-forwarded-for']).toBe(expected);
        expect(api.seen[0]?.headers['x-real-ip']).toBeUndefined();
        expect(api.seen[0]?.headers.forwarded).toBeUndefined();
      } finally {
        await site.close();
      }
    },
  );
});

describe('posthogProxy request headers outside Express', () => {
  it('reports the socket peer on a bare http server, whatever the client claims', async () => {
    const proxy = posthogProxy({ client, path: '/ingest' });
    const server = createServer((req, res) =>
      proxy(req, res, () => {
        res.statusCode = 404;
        res.end();
      }),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      await send(`http://127.0.0.1:${port}`, 'GET', '/ingest/flags/?v=2', {
        headers: { 'x-forwarded-for': '198.51.100.7' },
      });
      expect(api.seen[0]?.headers['x-forwarded-for']).toBe('127.0.0.1');
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('builds upstream headers from the allow-list only, hop-by-hop and credentials dropped', () => {
    const headers = upstreamRequestHeaders(
      { ...CREDENTIALS, 'content-type': 'text/plain', te: 'trailers', connection: 'x-a' },
      'eu.i.posthog.com',
      '203.0.113.7',
    );
    expect(headers).toEqual({
      'content-type': 'text/plain',
      'x-forwarded-for': '203.0.113.7',
      host: 'eu.i.posthog.com',
    });
  });

  it.each([
    [
      'a throwing ip getter',
      {
        get ip(): string {
          throw new Error('boom');
        },
      },
      '192.0.2.1',
    ],
    ['an ip that is no address', { ip: '192.0.2.9\r\nX-Evil: 1' }, '192.0.2.1'],
    ['an IPv4-mapped ip', { ip: '::ffff:203.0.113.7' }, '203.0.113.7'],
    ['an IPv6 ip', { ip: '2001:db8::1' }, '2001:db8::1'],
    ['no ip and no socket address', { socket: {} }, undefined],
  ])('resolves the client address from %s', (_name, fields, expected) => {
    const req = Object.defineProperties(
      { socket: { remoteAddress: '::ffff:192.0.2.1' } },
      Object.getOwnPropertyDescriptors(fields),
    ) as unknown as IncomingMessage;
    expect(clientAddress(req)).toBe(expected);
  });
});
