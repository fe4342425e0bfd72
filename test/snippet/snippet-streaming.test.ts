import { type ChildProcess, spawn } from 'node:child_process';
import { get } from 'node:http';
import { createInterface } from 'node:readline';
import express from 'express';
import { afterAll, describe, expect, it } from 'vitest';
import { posthogSnippet } from '../../src/snippet/posthog-snippet.js';
import { enabledClient } from '../helpers/client.js';
import { serve } from '../helpers/serve.js';

const { client, logger } = enabledClient('http://127.0.0.1:9');
afterAll(() => client.shutdown(50));

function startStreamServer(mebibytes: number, mode: 'inject' | 'plain') {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', 'test/fixtures/stream-server.ts', String(mebibytes), mode],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const next = async () => JSON.parse(String((await lines.next()).value));
  return { child, next };
}

/** Streams GET /big, counting bytes; returns time to first byte, total time, size and the head. */
function download(
  port: number,
): Promise<{ ttfb: number; total: number; bytes: number; head: string }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let ttfb = 0;
    let bytes = 0;
    let head = '';
    get({ host: '127.0.0.1', port, path: '/big' }, (res) => {
      res.on('data', (chunk: Buffer) => {
        if (bytes === 0) ttfb = performance.now() - started;
        if (head.length < 8192) head += chunk.toString('latin1', 0, Math.min(chunk.length, 8192));
        bytes += chunk.length;
      });
      res.on('end', () => resolve({ ttfb, total: performance.now() - started, bytes, head }));
      res.on('error', reject);
    }).on('error', reject);
  });
}

describe('posthogSnippet on streamed pages', () => {
  it('streams a 64 MiB page with bounded memory and the snippet near the top', async () => {
    const results: Record<string, { growth: number; ttfb: number; total: number; bytes: number }> =
      {};
    for (const mode of ['plain', 'inject'] as const) {
      const { child, next } = startStreamServer(64, mode);
      const { port } = await next();
      const got = await download(port);
      child.stdin!.write('stats\n');
      const stats = await next();
      results[mode] = { growth: stats.growth, ttfb: got.ttfb, total: got.total, bytes: got.bytes };
      if (mode === 'inject') {
        expect(got.head).toMatch(/<title>big<\/title><script data-express-posthog=/);
      } else {
        expect(got.head).not.toContain('data-express-posthog');
      }
    }
    const mib = (n: number) => (n / 1024 / 1024).toFixed(1);
    console.log(
      `64 MiB streamed page: RSS growth plain ${mib(results.plain!.growth)} MiB, injected ${mib(results.inject!.growth)} MiB; ` +
        `TTFB plain ${results.plain!.ttfb.toFixed(1)} ms, injected ${results.inject!.ttfb.toFixed(1)} ms; ` +
        `total plain ${results.plain!.total.toFixed(0)} ms, injected ${results.inject!.total.toFixed(0)} ms`,
    );
    expect(results.inject!.bytes).toBeGreaterThan(64 * 1024 * 1024);
    expect(results.inject!.bytes - results.plain!.bytes).toBeGreaterThan(80);
    // Bounded: far below the page size (the page is 64 MiB).
    expect(results.inject!.growth).toBeLessThan(32 * 1024 * 1024);
  }, 120_000);

  it('sends the first bytes before the page has ended', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const app = express();
    app.use(posthogSnippet({ client }));
    app.get('/slow', async (_req, res) => {
      res.type('html');
      res.write('<!DOCTYPE html><html><head><title>slow</title></head><body><p>first</p>');
      await held;
      res.end('<p>last</p></body></html>');
    });
    const site = await serve(app);
    // Read until the first paragraph arrives; the page's end is still held by the route.
    const first = await new Promise<string>((resolve, reject) => {
      get(`${site.url}/slow`, (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => {
          text += chunk.toString();
          if (text.includes('<p>first</p>')) resolve(text);
        });
      }).on('error', reject);
    });
    expect(first).toContain('data-express-posthog');
    expect(first).toContain('<p>first</p>');
    expect(first).not.toContain('<p>last</p>');
    release();
    await site.close();
  });

  it('past the cap with no insertion point, sends the body whole and unmodified, with one warning', async () => {
    const app = express();
    app.use(posthogSnippet({ client, maxBufferBytes: 64 * 1024 }));
    const row = Buffer.from(`<div>${'x'.repeat(1000)}</div>\n`);
    const rows = 200;
    app.get('/nohead', (_req, res) => {
      res.type('html');
      for (let i = 0; i < rows; i += 1) res.write(row);
      res.end('<body>late body tag</body>');
    });
    const site = await serve(app);
    const body = await fetch(`${site.url}/nohead`).then(async (r) =>
      Buffer.from(await r.arrayBuffer()),
    );
    const expected = Buffer.concat([
      ...Array.from({ length: rows }, () => row),
      Buffer.from('<body>late body tag</body>'),
    ]);
    expect(Buffer.compare(body, expected)).toBe(0);
    const warnings = logger.warnings().filter((w) => w.includes('found no </head> or <body>'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('GET /nohead');
    await site.close();
  });
});
