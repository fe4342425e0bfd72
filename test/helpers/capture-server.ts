import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { remoteConfig, remoteConfigScript } from '../../src/apps/inspector/remote-config.js';

/** One event as it arrived at the capture server. */
export interface CapturedEvent {
  event: string;
  distinct_id: string;
  properties: Record<string, any>;
  [key: string]: unknown;
}

/** How the server answers: normally, with an error status, never, or by cutting the connection. */
export type CaptureMode = 'ok' | 500 | 413 | 401 | 'hang' | 'refuse';

/** One request as it arrived. */
export interface CapturedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: unknown;
}

/**
 * A PostHog-compatible capture server on 127.0.0.1 that records what the real
 * SDKs send: `/batch/` (gzip or plain JSON), single events (`/capture/`,
 * `/i/v0/e/`, `/e/`), and `/flags/` (answering `flags`).
 */
export interface CaptureServer {
  readonly url: string;
  readonly port: number;
  readonly events: CapturedEvent[];
  readonly requests: CapturedRequest[];
  /**
   * Events refused as PostHog's ingestion refuses them (HTTP 401): a posthog-js event whose
   * `token` is not a project key (`phc_…`), such as one a redaction step rewrote.
   */
  readonly refused: CapturedEvent[];
  /** TCP connections accepted so far. */
  readonly connections: number;
  mode: CaptureMode;
  flags: Record<string, boolean | string>;
  /** Resolves once `count` events matching `filter` have arrived, or rejects after `timeoutMs`. */
  waitForEvents(
    count: number,
    filter?: (event: CapturedEvent) => boolean,
    timeoutMs?: number,
  ): Promise<CapturedEvent[]>;
  close(): Promise<void>;
}

function decodeBody(raw: Buffer, headers: IncomingMessage['headers']): unknown {
  let bytes = raw;
  // posthog-js may post gzip as text/plain with no Content-Encoding: recognise the magic bytes.
  const gzipped =
    /gzip/i.test(String(headers['content-encoding'] ?? '')) ||
    (raw.length > 2 && raw[0] === 0x1f && raw[1] === 0x8b);
  if (gzipped) bytes = gunzipSync(raw);
  let text = bytes.toString('utf8');
  if (text === '') return undefined;
  if (text.startsWith('data=')) {
    // the form encoding: data=<base64 of the JSON>
    const data = new URLSearchParams(text).get('data') ?? '';
    text = Buffer.from(data, 'base64').toString('utf8');
  }
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function eventsOf(path: string, body: unknown): CapturedEvent[] {
  if (!body || typeof body !== 'object') return [];
  if (Array.isArray(body)) return body as CapturedEvent[];
  const record = body as Record<string, unknown>;
  if (Array.isArray(record.batch)) return record.batch as CapturedEvent[];
  if (typeof record.event === 'string' && !path.startsWith('/flags'))
    return [record as CapturedEvent];
  return [];
}

/** Starts a capture server on an ephemeral loopback port. */
export async function startCaptureServer(
  initial: Partial<Pick<CaptureServer, 'mode' | 'flags'>> & { readonly replay?: boolean } = {},
): Promise<CaptureServer> {
  const events: CapturedEvent[] = [];
  const refused: CapturedEvent[] = [];
  const requests: CapturedRequest[] = [];
  const sockets = new Set<Socket>();
  const waiters = new Set<() => void>();
  let connections = 0;

  const state = { mode: initial.mode ?? ('ok' as CaptureMode), flags: initial.flags ?? {} };

  const server: Server = createServer(function captureHandler(
    req: IncomingMessage,
    res: ServerResponse,
  ) {
    // posthog-js posts cross-origin from the page under test.
    res.setHeader('Access-Control-Allow-Origin', req.headers.origin ?? '*');
    res.setHeader('Access-Control-Allow-Credentials', 'true');
    res.setHeader(
      'Access-Control-Allow-Headers',
      req.headers['access-control-request-headers'] ?? '*',
    );
    res.setHeader('Access-Control-Allow-Methods', 'GET, POST, OPTIONS');
    if (req.method === 'OPTIONS') {
      res.writeHead(204).end();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const mode = state.mode;
      if (mode === 'hang') return;
      if (mode === 'refuse') {
        req.socket.destroy();
        return;
      }
      if (typeof mode === 'number') {
        res.writeHead(mode, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ type: 'error', detail: `status ${mode}` }));
        return;
      }
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      const body = decodeBody(Buffer.concat(chunks), req.headers);
      requests.push({ method: req.method ?? 'GET', path, headers: req.headers, body });
      res.setHeader('content-type', 'application/json');
      if (path === '/static/array.js') {
        // A self-hosted PostHog serves posthog-js itself: the whole bundle, nothing loaded lazily.
        res.setHeader('content-type', 'application/javascript');
        res.end(readFileSync(fileURLToPath(import.meta.resolve('posthog-js/dist/array.full.js'))));
        return;
      }
      const config = /^\/array\/([^/]+)\/config(\.js)?$/.exec(path);
      if (config && initial.replay) {
        // Session replay switched on remotely, as PostHog's project setting does.
        const token = decodeURIComponent(config[1] ?? '');
        if (path.endsWith('.js')) res.setHeader('content-type', 'application/javascript');
        res.end(
          path.endsWith('.js')
            ? remoteConfigScript(token, true)
            : JSON.stringify(remoteConfig(token, true)),
        );
        return;
      }
      if (config) {
        // posthog-js's remote config: nothing switched on remotely.
        if (path.endsWith('.js')) {
          res.setHeader('content-type', 'application/javascript');
          res.end('');
        } else {
          res.end(
            JSON.stringify({ sessionRecording: false, supportedCompression: ['gzip', 'gzip-js'] }),
          );
        }
        return;
      }
      if (path.startsWith('/flags') || path.startsWith('/decide')) {
        res.end(
          JSON.stringify({
            featureFlags: state.flags,
            featureFlagPayloads: {},
            errorsWhileComputingFlags: false,
            ...(initial.replay ? { sessionRecording: { endpoint: '/s/' } } : {}),
          }),
        );
        return;
      }
      const arrived = eventsOf(path, body);
      // posthog-js sends the project key as each event's `token`; ingestion needs a real one.
      const badToken = arrived.some(
        (event) =>
          event.properties !== null &&
          typeof event.properties === 'object' &&
          'token' in event.properties &&
          !/^phc_[A-Za-z0-9_-]+$/.test(String(event.properties.token)),
      );
      if (badToken) {
        refused.push(...arrived);
        for (const wake of waiters) wake();
        res
          .writeHead(401)
          .end(JSON.stringify({ type: 'authentication_error', code: 'invalid_api_key' }));
        return;
      }
      for (const event of arrived) {
        // posthog-js sends the distinct id inside the properties
        event.distinct_id ??= event.properties?.distinct_id;
        events.push(event);
      }
      for (const wake of waiters) wake();
      res.end(JSON.stringify({ status: 1 }));
    });
  });
  server.on('connection', (socket) => {
    connections += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    if (state.mode === 'refuse') socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    events,
    refused,
    requests,
    get connections() {
      return connections;
    },
    get mode() {
      return state.mode;
    },
    set mode(mode: CaptureMode) {
      state.mode = mode;
    },
    get flags() {
      return state.flags;
    },
    set flags(flags: Record<string, boolean | string>) {
      state.flags = flags;
    },
    waitForEvents(count, filter = () => true, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const matching = events.filter(filter);
          if (matching.length >= count) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(matching);
            return true;
          }
          return false;
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(
              `waited ${timeoutMs} ms for ${count} event(s); got ${events.filter(filter).length}: ${JSON.stringify(events.map((e) => e.event))}${refused.length ? `; refused for their token (as ingestion would): ${JSON.stringify(refused.map((e) => [e.event, e.properties?.token]))}` : ''}`,
            ),
          );
        }, timeoutMs);
        if (!check()) waiters.add(check);
      });
    },
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** A loopback port with nothing listening: connections are refused. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
