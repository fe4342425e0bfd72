import compression from 'compression';
import express from 'express';
import fc from 'fast-check';
import request from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import { posthogSnippet } from '../../src/snippet/posthog-snippet.js';
import { enabledClient } from '../helpers/client.js';
import { SNIPPET_TAG } from '../helpers/html.js';
import { trickyHtml } from '../helpers/html-corpus.js';
import { cut } from '../helpers/splice.js';

const { client } = enabledClient('http://127.0.0.1:9');
afterAll(() => client.shutdown(100));

/** What the route writes: the body's chunks, and after which of them it calls res.flush(). */
let plan: { chunks: Buffer[]; flushAfter: ReadonlySet<number> } = {
  chunks: [],
  flushAfter: new Set(),
};

const app = express();
app.use(compression());
app.use(posthogSnippet({ client }));
app.get('/doc', (_req, res) => {
  res.type('html');
  plan.chunks.forEach((chunk, index) => {
    res.write(chunk);
    if (plan.flushAfter.has(index)) (res as unknown as { flush: () => void }).flush();
  });
  res.end();
});

const SNIPPET = new RegExp(SNIPPET_TAG.source, 'g');

async function fetchWith(chunks: Buffer[], flushAfter: ReadonlySet<number> = new Set()) {
  plan = { chunks, flushAfter };
  const res = await request(app)
    .get('/doc')
    .set('Accept', 'text/html')
    .set('Accept-Encoding', 'identity');
  return res.text;
}

describe('posthogSnippet over random tricky HTML, random chunks and random flush() points', () => {
  it('gives the one-chunk output for any chunking; with flushes, only ever adds one snippet', async () => {
    await fc.assert(
      fc.asyncProperty(
        trickyHtml,
        fc.array(fc.nat({ max: 4000 }), { maxLength: 8 }),
        fc.array(fc.nat({ max: 8 }), { maxLength: 3 }),
        async (html, cuts, flushes) => {
          const body = Buffer.from(html);
          const whole = await fetchWith([body]);
          expect(whole.match(SNIPPET)?.length ?? 0).toBeLessThanOrEqual(1);
          expect(whole.replace(SNIPPET, '')).toBe(html);
          const chunks = cut(body, cuts);
          expect(await fetchWith(chunks)).toBe(whole);
          const flushed = await fetchWith(chunks, new Set(flushes));
          const count = flushed.match(SNIPPET)?.length ?? 0;
          expect(count).toBeLessThanOrEqual(1);
          expect(flushed.replace(SNIPPET, '')).toBe(html);
          if (count === 1) expect(whole.match(SNIPPET)?.length).toBe(1);
        },
      ),
      { numRuns: 300 },
    );
  });
});
