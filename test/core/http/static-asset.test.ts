import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveAsset, staticAsset } from '../../../src/core/http/static-asset.js';
import { serve } from '../../helpers/serve.js';

const asset = staticAsset(
  (hash) => `/static-asset-test.${hash}.js`,
  'application/javascript; charset=utf-8',
  Buffer.from('console.log("static asset test");'.repeat(20)),
);

let site: { url: string; close(): Promise<void> };
beforeAll(async () => {
  site = await serve((req: IncomingMessage, res: ServerResponse) => serveAsset(req, res, asset));
});
afterAll(() => site.close());

const get = (headers: Record<string, string>) =>
  fetch(`${site.url}${asset.url}`, { headers: { 'accept-encoding': 'identity', ...headers } });

describe('serveAsset', () => {
  it('answers 304 for If-None-Match: *, as the page validators do', async () => {
    const answer = await get({ 'if-none-match': '*' });
    expect(answer.status).toBe(304);
  });

  it('answers 304 for its own tag, weak or strong, and 200 for another', async () => {
    expect((await get({ 'if-none-match': `W/${asset.etag}` })).status).toBe(304);
    const other = await get({ 'if-none-match': '"other"' });
    expect(other.status).toBe(200);
    expect(other.headers.get('cache-control')).toBe(
      'public, max-age=31536000, immutable, no-transform',
    );
  });

  // Accept-Encoding's parameters were split by hand; they are read as every header's now.
  it('reads q=0 with any spacing or case as a refusal', async () => {
    const answer = await fetch(`${site.url}${asset.url}`, {
      headers: { 'accept-encoding': 'gzip; Q = 0, identity' },
    });
    expect(answer.headers.get('content-encoding')).toBeNull();
    expect(await answer.text()).toBe(asset.identity.toString());
  });
});
