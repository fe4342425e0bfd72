import { createServer, type IncomingMessage, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { standardProperties } from '../../../src/core/attribution/request-info.js';
import { clientAddress, ipAddress } from '../../../src/core/http/client-address.js';
import { posthogErrorHandler } from '../../../src/error-handler/index.js';
import { posthogProxy, upstreamRequestHeaders } from '../../../src/proxy/index.js';
import { posthogUser } from '../../../src/user/index.js';
import { expressVersions } from '../../helpers/express-versions.js';
import { useCaptureServer } from '../../helpers/suite.js';

const suite = useCaptureServer();

describe('ipAddress', () => {
  it.each([
    ['::ffff:127.0.0.1', '127.0.0.1'],
    ['::FFFF:203.0.113.7', '203.0.113.7'],
    ['203.0.113.7', '203.0.113.7'],
    ['2001:db8::1', '2001:db8::1'],
    ['::1', '::1'],
  ])('reports %j as %j', (value, expected) => {
    expect(ipAddress(value)).toBe(expected);
  });

  it.each([[''], ['localhost'], ['::ffff:999.1.1.1'], ['1.2.3.4\r\nX-Evil: 1'], [undefined], [7]])(
    'reports %j as no address',
    (value) => {
      expect(ipAddress(value)).toBeUndefined();
    },
  );
});

describe('::ffff:127.0.0.1 is one address everywhere', () => {
  const mapped = {
    method: 'GET',
    url: '/',
    headers: { host: 'localhost' },
    ip: '::ffff:127.0.0.1',
    socket: { remoteAddress: '::ffff:127.0.0.1' },
  };

  it("gives $ip 127.0.0.1 in identify mode full and the proxy's X-Forwarded-For 127.0.0.1", () => {
    expect(standardProperties(mapped, 'full').$ip).toBe('127.0.0.1');
    const forwarded = upstreamRequestHeaders({}, 'eu.i.posthog.com', clientAddress(mapped));
    expect(forwarded['x-forwarded-for']).toBe('127.0.0.1');
  });

  it('reads the socket peer the same way when req.ip is missing or is no address', () => {
    const { ip: _ip, ...bare } = mapped;
    expect(standardProperties(bare, 'full').$ip).toBe('127.0.0.1');
    expect(standardProperties({ ...mapped, ip: 'garbage' }, 'full').$ip).toBe('127.0.0.1');
    expect(clientAddress({ ...bare, socket: undefined })).toBeUndefined();
  });
});

/** Listens on `::`, where an IPv4 client's socket peer is `::ffff:127.0.0.1`; `undefined` without IPv6. */
async function listenDualStack(
  app: Parameters<typeof createServer>[1],
): Promise<Server | undefined> {
  const server = createServer(app);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '::', resolve);
    });
    return server;
  } catch {
    return undefined;
  }
}

/** A POST from 127.0.0.1 to the server on `::`. */
function postFromIpv4(server: Server, path: string, body: string): Promise<number> {
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, method: 'POST', agent: false },
      (res: IncomingMessage) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe.each(expressVersions)('a dual-stack server on $name', ({ express }) => {
  it('reports an IPv4 client as 127.0.0.1 to the proxy and in $ip', async () => {
    const posthog = suite.client({ identifyPii: 'full' });
    const app = express();
    app.use(posthogUser({ client: posthog }));
    app.use(posthogProxy({ client: posthog, path: '/ingest' }));
    app.post('/boom', function boom() {
      throw new Error('dual-stack failure');
    });
    app.use(posthogErrorHandler({ client: posthog }));
    const server = await listenDualStack(app);
    if (!server) {
      // No IPv6 on this machine: the unit tests above still pin the rule.
      return;
    }
    try {
      const body = JSON.stringify({ event: 'from the page', properties: { token: 'phc_test' } });
      expect(await postFromIpv4(server, '/ingest/e/', body)).toBe(200);
      expect(await postFromIpv4(server, '/boom', '')).toBe(500);
      await posthog.shutdown();
      const forwarded = suite.server.requests.find((seen) => seen.path === '/e/');
      expect(forwarded?.headers['x-forwarded-for']).toBe('127.0.0.1');
      const exception = suite.server.events.find((event) => event.event === '$exception');
      expect(exception?.properties.$ip).toBe('127.0.0.1');
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe("posthog-node's own $ip", () => {
  it('is unmapped in identify mode full and dropped in the other modes', async () => {
    for (const mode of ['full', 'email'] as const) {
      const posthog = suite.client({ identifyPii: mode });
      // What posthog-node's setupExpressRequestContext puts there: the raw socket peer.
      posthog.capture({
        event: `ip in ${mode}`,
        distinctId: 'd-1',
        properties: { $ip: '::ffff:198.51.100.4' },
      });
      await posthog.shutdown();
    }
    const byEvent = Object.fromEntries(suite.server.events.map((e) => [e.event, e.properties]));
    expect(byEvent['ip in full']?.$ip).toBe('198.51.100.4');
    expect(byEvent['ip in email']).not.toHaveProperty('$ip');
  });

  it('is dropped in identify mode full when it is not one address (a forwarded list, junk)', async () => {
    const posthog = suite.client({ identifyPii: 'full' });
    for (const [name, ip] of [
      ['list', '203.0.113.9, 198.51.100.4'],
      ['junk', 'not-an-address'],
    ] as const) {
      posthog.capture({ event: `ip ${name}`, distinctId: 'd-1', properties: { $ip: ip } });
    }
    await posthog.shutdown();
    const byEvent = Object.fromEntries(suite.server.events.map((e) => [e.event, e.properties]));
    expect(byEvent['ip list']).toBeDefined();
    expect(byEvent['ip list']).not.toHaveProperty('$ip');
    expect(byEvent['ip junk']).not.toHaveProperty('$ip');
  });
});
