import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { gunzipSync } from 'node:zlib';
import compression from 'compression';
import type { Express } from 'express';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { posthogSnippet } from '../../src/snippet/posthog-snippet.js';
import { enabledClient } from '../helpers/client.js';
import { expressVersions } from '../helpers/express-versions.js';
import { SNIPPET_TAG, snippetCount } from '../helpers/html.js';
import { trickyHtml } from '../helpers/html-corpus.js';
import { serve } from '../helpers/serve.js';
import { cut } from '../helpers/splice.js';

const { client } = enabledClient('http://127.0.0.1:9');
afterAll(() => client.shutdown(100));

const HEAD = '<!DOCTYPE html><html><head><meta charset="utf-8"><title>Slow</title>';
const REST = '</head><body><p>after the slow query</p></body></html>';
/** How long the slow page waits between its head and the rest. */
const QUERY_MS = 2000;
/**
 * What the machine may add to holdMs before the first byte leaves: a 2-core runner with other
 * test files in parallel workers. Still far below the wait: without holdMs the first byte comes
 * after QUERY_MS.
 */
const MARGIN_MS = 900;

/** A GET that reports when the first body byte arrived and the whole body (gunzipped). */
function timedGet(
  url: string,
  encoding?: string,
): Promise<{ firstByteMs: number; body: string; status: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let firstByteMs = -1;
    const req = httpRequest(
      url,
      {
        agent: false,
        headers: { Accept: 'text/html', ...(encoding ? { 'Accept-Encoding': encoding } : {}) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => {
          if (firstByteMs < 0) firstByteMs = performance.now() - started;
          chunks.push(chunk);
        });
        res.on('end', () => {
          const raw = Buffer.concat(chunks);
          const body = res.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
          resolve({ firstByteMs, body: body.toString(), status: res.statusCode ?? 0 });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error('timed out: the response stalled')));
    req.end();
  });
}

describe.each(expressVersions)('held bytes never wait on the app, on $name', ({ express }) => {
  function slowPageApp(holdMs?: number): Express {
    const app = express();
    app.use(posthogSnippet({ client, ...(holdMs ? { holdMs } : {}) }));
    app.get('/slow', (_req, res) => {
      res.setHeader('Content-Type', 'text/html; charset=utf-8');
      res.write(HEAD);
      setTimeout(() => res.end(REST), QUERY_MS);
    });
    return app;
  }

  it(`gets the first byte of a page that writes its head and waits ${QUERY_MS} ms within holdMs (default 50 ms) plus a margin`, async () => {
    const served = await serve(slowPageApp());
    try {
      const got = await timedGet(`${served.url}/slow`);
      expect(got.firstByteMs).toBeGreaterThanOrEqual(0);
      expect(got.firstByteMs).toBeLessThan(50 + MARGIN_MS);
      // Decided as at a flush: the snippet goes in where the head stopped, once.
      expect(snippetCount(got.body)).toBe(1);
      expect(got.body.indexOf('<script data-express-posthog')).toBe(HEAD.length);
      expect(got.body.replace(SNIPPET_TAG, '')).toBe(HEAD + REST);
    } finally {
      await served.close();
    }
  });

  it('waits no longer than the holdMs option says', async () => {
    const served = await serve(slowPageApp(600));
    try {
      const got = await timedGet(`${served.url}/slow`);
      expect(got.firstByteMs).toBeGreaterThanOrEqual(600 - 20);
      expect(got.firstByteMs).toBeLessThan(600 + MARGIN_MS);
      expect(snippetCount(got.body)).toBe(1);
    } finally {
      await served.close();
    }
  });

  it('sends a held start that has no place for the snippet unmodified, then streams the rest', async () => {
    const app = express();
    app.use(posthogSnippet({ client }));
    app.get('/partial', (_req, res) => {
      res.setHeader('Content-Type', 'text/html; charset=utf-8');
      res.write('<div class="row"><p>first rows');
      setTimeout(() => res.end('</p></div>'), 500);
    });
    const served = await serve(app);
    try {
      const got = await timedGet(`${served.url}/partial`);
      expect(got.firstByteMs).toBeLessThan(50 + MARGIN_MS);
      expect(got.body).toBe('<div class="row"><p>first rows</p></div>');
    } finally {
      await served.close();
    }
  });

  /**
   * compression's own back-pressure test ("should back-pressure when compressed"), its body
   * served as HTML: the app writes a start, waits for the client to see the response, then
   * writes until write() says false and finishes on `drain`.
   */
  it.each([
    ['gzip', 'gzip'],
    ['identity', undefined],
  ])(
    'does not deadlock compression’s write, wait-for-the-client, write pattern (%s)',
    async (_name, encoding) => {
      const app = express();
      let clientSawResponse: () => void = () => {};
      const sawResponse = new Promise<void>((resolve) => {
        clientSawResponse = resolve;
      });
      const chunk = `<p>${'x'.repeat(16 * 1024)}</p>`;
      let written = 0;
      app.use(compression({ threshold: 0 }));
      app.use(posthogSnippet({ client }));
      app.get('/pressure', (_req, res) => {
        res.setHeader('Content-Type', 'text/html; charset=utf-8');
        res.write('<!DOCTYPE html><html><head><title>pressure</title>');
        void sawResponse.then(() => {
          const flushable = res as ServerResponse & { flush?: () => void };
          while (written < 256 && res.write(chunk) !== false) {
            written += 1;
            flushable.flush?.();
          }
          written += 1;
          res.once('drain', () => res.end('</body></html>'));
        });
      });
      const served = await serve(app);
      try {
        const body = await new Promise<string>((resolve, reject) => {
          const req = httpRequest(
            `${served.url}/pressure`,
            {
              agent: false,
              headers: {
                Accept: 'text/html',
                ...(encoding ? { 'Accept-Encoding': encoding } : {}),
              },
            },
            (res: IncomingMessage) => {
              clientSawResponse();
              const chunks: Buffer[] = [];
              res.on('data', (c: Buffer) => chunks.push(c));
              res.on('end', () => {
                const raw = Buffer.concat(chunks);
                resolve((encoding === 'gzip' ? gunzipSync(raw) : raw).toString());
              });
              res.on('error', reject);
            },
          );
          req.on('error', reject);
          req.setTimeout(8000, () => req.destroy(new Error('deadlock: no response within 8 s')));
          req.end();
        });
        expect(snippetCount(body)).toBe(1);
        expect(body.replace(SNIPPET_TAG, '')).toBe(
          `<!DOCTYPE html><html><head><title>pressure</title>${chunk.repeat(written)}</body></html>`,
        );
      } finally {
        await served.close();
      }
    },
    15_000,
  );
});

describe('the holdMs option', () => {
  it.each([0, -1, 1.5, '50', Number.NaN])('refuses %j, naming the option', (value) => {
    expect(() => posthogSnippet({ client, holdMs: value as number })).toThrow(
      /posthogSnippet: `holdMs` must be a positive integer .*\(ms\), got .*Use a number of milliseconds, e\.g\. 50\./,
    );
  });
});

describe('pauses longer than holdMs anywhere in a page', () => {
  it('only ever add one snippet, and leave every other byte as the app wrote it', async () => {
    const express = expressVersions[0]!.express;
    let plan: { chunks: Buffer[]; pauses: boolean[] } = { chunks: [], pauses: [] };
    const app = express();
    app.use(posthogSnippet({ client, holdMs: 5 }));
    app.get('/doc', async (_req, res) => {
      res.type('html');
      const { chunks, pauses } = plan;
      for (const [index, chunk] of chunks.entries()) {
        res.write(chunk);
        if (pauses[index]) await new Promise((resolve) => setTimeout(resolve, 15));
      }
      res.end();
    });
    const served = await serve(app);
    try {
      await fc.assert(
        fc.asyncProperty(
          trickyHtml,
          fc.array(fc.nat({ max: 4000 }), { maxLength: 5 }),
          fc.array(fc.boolean(), { maxLength: 6 }),
          async (html, cuts, pauses) => {
            plan = { chunks: cut(Buffer.from(html), cuts), pauses };
            const got = await timedGet(`${served.url}/doc`);
            const snippets = got.body.match(new RegExp(SNIPPET_TAG.source, 'g')) ?? [];
            expect(snippets.length).toBeLessThanOrEqual(1);
            expect(got.body.replace(SNIPPET_TAG, '')).toBe(html);
          },
        ),
        { numRuns: 60 },
      );
    } finally {
      await served.close();
    }
  }, 60_000);
});
