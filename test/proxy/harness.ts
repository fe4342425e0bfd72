import { type IncomingHttpHeaders, request } from 'node:http';
import type express5 from 'express';
import type { PosthogClient } from '../../src/core/client/index.js';
import { type PosthogProxyOptions, posthogProxy } from '../../src/proxy/index.js';
import { serve } from '../helpers/serve.js';

/** What a raw client got back. */
export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  /** The raw header list, repeated names kept. */
  rawHeaders: string[];
  body: Buffer;
}

/**
 * A raw HTTP request with exactly the given headers (Cookie, Authorization, X-Forwarded-For…
 * go as written) and a raw request target (`/ingest/%2e%2e/x` is not normalised).
 */
export function send(
  origin: string,
  method: string,
  path: string,
  { headers = {}, body }: { headers?: Record<string, string>; body?: Buffer | string } = {},
): Promise<Answer> {
  const { hostname, port } = new URL(origin);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, method, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          rawHeaders: res.rawHeaders,
          body: Buffer.concat(chunks),
        }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * An Express app with only the proxy and a 404 after it, served on loopback. `setup` runs
 * first (a `trust proxy` setting, an auth middleware).
 */
export async function proxySite(
  express: typeof express5,
  client: PosthogClient,
  options: Omit<PosthogProxyOptions, 'client'>,
  setup?: (app: ReturnType<typeof express5>) => void,
): Promise<{ url: string; close(): Promise<void> }> {
  const app = express();
  setup?.(app);
  app.use(posthogProxy({ client, ...options }));
  app.use(function notTheProxy(_req, res) {
    res.status(404).type('text/plain').send('app 404');
  });
  return serve(app);
}
