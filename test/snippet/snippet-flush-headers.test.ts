import { request as httpRequest, type IncomingMessage } from 'node:http';
import express, { type Response } from 'express';
import { afterAll, describe, expect, it } from 'vitest';
import { posthogSnippet } from '../../src/snippet/posthog-snippet.js';
import { enabledClient } from '../helpers/client.js';
import { expressVersions } from '../helpers/express-versions.js';
import { snippetCount } from '../helpers/html.js';
import { serve } from '../helpers/serve.js';

const { client } = enabledClient('http://127.0.0.1:9');
afterAll(() => client.shutdown(50));

/** Where the route sits: in the app that registers the snippet, in a mounted sub-app, or behind a middleware that wrapped `flushHeaders` first. */
type Layout = 'app' | 'sub-app' | 'wrapped-before';

interface Seen {
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

/**
 * Serves one route whose handler gets `headersArrived`, a promise that settles once the
 * client has the response's headers; returns what the client saw. A handler that waits for
 * it before ending the body times the test out if the headers are held.
 */
async function fetchWhile(
  handler: (res: Response, headersArrived: Promise<void>) => Promise<void>,
  options: {
    readonly layout?: Layout;
    readonly accept?: string;
    readonly express?: typeof express;
  } = {},
): Promise<Seen> {
  const makeApp = options.express ?? express;
  let arrived!: () => void;
  const headersArrived = new Promise<void>((resolve) => {
    arrived = resolve;
  });
  const app = makeApp();
  if (options.layout === 'wrapped-before') {
    // A middleware registered before the snippet that wraps flushHeaders on the response.
    app.use((_req, res, next) => {
      const flushHeaders = res.flushHeaders;
      res.flushHeaders = function wrappedFlushHeaders(this: Response) {
        flushHeaders.call(this);
      };
      next();
    });
  }
  app.use(posthogSnippet({ client }));
  // A mounted sub-app: Express swaps the response's prototype for the sub-app's own.
  const routes = options.layout === 'sub-app' ? makeApp() : app;
  routes.get('/', (_req, res, next) => {
    handler(res, headersArrived).catch(next);
  });
  if (routes !== app) app.use(routes);
  const server = await serve(app);
  try {
    return await new Promise<Seen>((resolve, reject) => {
      const accept = options.accept ?? 'text/html';
      httpRequest(`${server.url}/`, { headers: { Accept: accept } }, (res) => {
        let body = '';
        arrived();
        res.setEncoding('latin1');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () => resolve({ headers: res.headers, body }));
        res.on('error', reject);
      })
        .on('error', reject)
        .end();
    });
  } finally {
    await server.close();
  }
}

describe('posthogSnippet and res.flushHeaders()', () => {
  it.each(
    expressVersions.flatMap(({ name, express: version }) =>
      (['app', 'sub-app', 'wrapped-before'] as const).map((layout) => ({ name, version, layout })),
    ),
  )(
    'sends a page’s headers at once when flushed before the body, and still injects the snippet ($name, $layout)',
    async ({ version, layout }) => {
      const seen = await fetchWhile(
        async (res, headersArrived) => {
          res.type('html');
          res.setHeader('ETag', '"v1"');
          res.setHeader('Last-Modified', 'Wed, 21 Oct 2026 07:28:00 GMT');
          res.flushHeaders();
          await headersArrived;
          res.end('<!doctype html><html><head><title>t</title></head><body>x</body></html>');
        },
        { layout, express: version },
      );
      // The body was not known when the headers left: no length, validators as for a changed body.
      expect(seen.headers['content-length']).toBeUndefined();
      expect(seen.headers.etag).toMatch(/^"v1-ph[\w-]{10}"$/);
      expect(seen.headers['last-modified']).toBeUndefined();
      expect(snippetCount(seen.body)).toBe(1);
      expect(seen.body).toMatch(
        /<title>t<\/title><script data-express-posthog[^>]*><\/script><\/head>/,
      );
    },
  );

  it('sends the headers at once when flushed after the first bytes of a page, and holds those bytes until the insertion point', async () => {
    const seen = await fetchWhile(async (res, headersArrived) => {
      res.type('html');
      res.write('<!doctype html><html><head><title>t</title>');
      res.flushHeaders();
      await headersArrived;
      res.write('<meta name="x" content="y">');
      res.end('</head><body>x</body></html>');
    });
    expect(seen.headers['content-type']).toMatch(/^text\/html/);
    expect(seen.headers['content-length']).toBeUndefined();
    expect(snippetCount(seen.body)).toBe(1);
    expect(seen.body).toMatch(
      /^<!doctype html><html><head><title>t<\/title><meta name="x" content="y"><script data-express-posthog[^>]*><\/script><\/head><body>x<\/body><\/html>$/,
    );
  });

  it('hands a flushed JSON response’s headers on as the app set them', async () => {
    const json = '{"ok":true}';
    const seen = await fetchWhile(async (res, headersArrived) => {
      res.type('json');
      res.setHeader('Content-Length', String(json.length));
      res.setHeader('ETag', '"j1"');
      res.flushHeaders();
      await headersArrived;
      res.end(json);
    });
    expect(seen.headers['content-length']).toBe(String(json.length));
    expect(seen.headers.etag).toBe('"j1"');
    expect(seen.body).toBe(json);
  });

  it.each<Layout>(['app', 'sub-app'])(
    'flushes the headers of a response it leaves alone (an API client’s) as Node does (%s)',
    async (layout) => {
      const json = '{"ok":true}';
      const seen = await fetchWhile(
        async (res, headersArrived) => {
          res.type('json');
          res.setHeader('ETag', '"j2"');
          res.flushHeaders();
          await headersArrived;
          res.end(json);
        },
        { layout, accept: 'application/json' },
      );
      expect(seen.headers.etag).toBe('"j2"');
      expect(seen.headers['transfer-encoding']).toBe('chunked');
      expect(seen.body).toBe(json);
    },
  );
});
