import { request } from 'node:http';
import { type AddressInfo, createServer, type Socket } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { PosthogClient } from '../../src/core/client/index.js';
import { enabledClient } from '../helpers/client.js';
import { proxySite, send } from './harness.js';
import { startUpstream, type Upstream } from './upstream.js';

const DEADLINE_MS = 600;
const MAX_BODY = 64 * 1024;

/**
 * A raw TCP upstream that answers every request by dripping one byte every 100 ms, for
 * ever: its status line and headers (`head`), or a complete head and then the body.
 */
async function drippingUpstream(drip: 'head' | 'body') {
  const sockets = new Set<Socket>();
  const closed: number[] = [];
  const server = createServer(function drippingConnection(socket) {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.once('data', () => {
      if (drip === 'body') {
        socket.write(
          'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n',
        );
      } else {
        socket.write('HTTP/1.1 200 OK\r\n');
      }
      const timer = setInterval(() => {
        socket.write(drip === 'body' ? '1\r\nx\r\n' : 'X');
      }, 100);
      socket.on('close', () => {
        clearInterval(timer);
        closed.push(Date.now());
        sockets.delete(socket);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    closed,
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('posthogProxy deadline', () => {
  for (const drip of ['head', 'body'] as const) {
    it(`cuts an upstream that drips its ${drip} a byte every 100 ms at the deadline`, async () => {
      const upstream = await drippingUpstream(drip);
      const { client, logger } = enabledClient(upstream.url);
      const site = await proxySite(express, client, { path: '/ingest', timeoutMs: DEADLINE_MS });
      try {
        const started = Date.now();
        const outcome = await new Promise<{ status: number; ended: boolean; bytes: number }>(
          (resolve) => {
            const { port } = new URL(site.url);
            const req = request({
              port,
              hostname: '127.0.0.1',
              method: 'GET',
              path: '/ingest/flags/?v=2',
            });
            req.on('response', (res) => {
              let bytes = 0;
              let ended = false;
              res.on('data', (chunk: Buffer) => {
                bytes += chunk.length;
              });
              res.on('end', () => {
                ended = true;
              });
              res.on('error', () => {});
              res.on('close', () => resolve({ status: res.statusCode ?? 0, ended, bytes }));
            });
            req.on('error', () => resolve({ status: 0, ended: false, bytes: 0 }));
            req.end();
          },
        );
        const elapsed = Date.now() - started;
        if (drip === 'head') {
          // Nothing was sent yet: the browser gets a 504 at the deadline.
          expect(outcome).toMatchObject({ status: 504, ended: true });
        } else {
          // The status went already: the response is cut, not ended.
          expect(outcome.status).toBe(200);
          expect(outcome.ended).toBe(false);
          expect(outcome.bytes).toBeLessThan(20);
        }
        expect(elapsed).toBeGreaterThanOrEqual(DEADLINE_MS - 20);
        expect(elapsed).toBeLessThan(DEADLINE_MS + 500);
        // The proxy hung up on the upstream too.
        await expect.poll(() => upstream.closed.length, { timeout: 1000 }).toBe(1);
        expect((upstream.closed[0] ?? 0) - started).toBeLessThan(DEADLINE_MS + 500);
        expect(logger.warnings().join('\n')).toMatch(/passed the 600 ms deadline/);
      } finally {
        await site.close();
        await client.shutdown(100);
        await upstream.close();
      }
    });
  }
});

describe('posthogProxy deadline and body cap against a normal upstream', () => {
  let api: Upstream;
  let client: PosthogClient;
  let site: { url: string; close(): Promise<void> };

  beforeAll(async () => {
    api = await startUpstream('api');
    ({ client } = enabledClient(api.url));
    site = await proxySite(express, client, {
      path: '/ingest',
      timeoutMs: DEADLINE_MS,
      maxBodyBytes: MAX_BODY,
    });
  });

  afterAll(async () => {
    await site?.close();
    await client?.shutdown(100);
    await api?.close();
  });

  beforeEach(() => {
    api.seen.length = 0;
  });

  it('cuts a client that drips its body at the deadline with 504, and aborts the upstream request', async () => {
    const arrived = api.nextRequest();
    const started = Date.now();
    const status = await new Promise<number>((resolve, reject) => {
      const { port } = new URL(site.url);
      const req = request({ port, hostname: '127.0.0.1', method: 'POST', path: '/ingest/s/' });
      const timer = setInterval(() => req.write('x'), 100);
      req.on('response', (res) => {
        clearInterval(timer);
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', (error) => {
        clearInterval(timer);
        reject(error);
      });
    });
    expect(status).toBe(504);
    expect(Date.now() - started).toBeLessThan(DEADLINE_MS + 500);
    expect((await arrived).aborted).toBe(true);
  });

  it('answers 413 to a declared Content-Length over the cap without touching PostHog', async () => {
    const { port } = new URL(site.url);
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request({
        port,
        hostname: '127.0.0.1',
        method: 'POST',
        path: '/ingest/e/',
        headers: { 'content-length': String(MAX_BODY + 1) },
      });
      req.on('response', (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => {
          body += chunk.toString();
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.flushHeaders();
    });
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body)).toEqual({
      type: 'proxy_error',
      detail: `the body is over ${MAX_BODY} bytes`,
    });
    expect(api.seen).toEqual([]);
  });

  it('answers 413 to a chunked body that grows past the cap, and aborts the upstream request', async () => {
    const { port } = new URL(site.url);
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({ port, hostname: '127.0.0.1', method: 'POST', path: '/ingest/s/' });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.write(Buffer.alloc(MAX_BODY + 1024));
    });
    expect(status).toBe(413);
    await new Promise((resolve) => setTimeout(resolve, 200));
    // The upstream got no complete request: none at all, or one cut before the cap.
    expect(api.seen.filter((seen) => !seen.aborted)).toEqual([]);
    expect(api.seen.every((seen) => seen.bytes <= MAX_BODY)).toBe(true);
  });

  it('forwards a body of exactly the cap', async () => {
    const answer = await send(site.url, 'POST', '/ingest/s/', { body: Buffer.alloc(MAX_BODY, 1) });
    expect(answer.status).toBe(200);
    expect(api.seen[0]?.bytes).toBe(MAX_BODY);
  });
});
