import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadInspectorAssets } from '../../../src/apps/inspector/assets.js';
import { serve } from '../../helpers/serve.js';

const assets = loadInspectorAssets();
let site: { url: string; close(): Promise<void> };
beforeAll(async () => {
  site = await serve((req: IncomingMessage, res: ServerResponse) => {
    if (!assets.serve(req.url ?? '', req, res)) {
      res.statusCode = 404;
      res.end();
    }
  });
});
afterAll(() => site.close());

// The inspector served its files with its own code: no compression, no ETag, no 304. It
// serves them as the snippet serves its own now.
describe("the inspector's assets", () => {
  it('are served precompressed, immutable, with an ETag and a 304 for it', async () => {
    const first = await fetch(`${site.url}${assets.script}`, {
      headers: { 'accept-encoding': 'gzip' },
    });
    expect(first.status).toBe(200);
    expect(first.headers.get('content-encoding')).toBe('gzip');
    expect(first.headers.get('cache-control')).toContain('immutable');
    expect(first.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await first.text()).toContain('function');
    const etag = first.headers.get('etag') ?? '';
    expect(etag).toMatch(/^"[0-9a-f]{16}-gzip"$/);
    const again = await fetch(`${site.url}${assets.script}`, {
      headers: { 'accept-encoding': 'gzip', 'if-none-match': etag },
    });
    expect(again.status).toBe(304);
  });
});
