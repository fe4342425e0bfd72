import { get } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../../src/apps/reference/index.js';
import { enabledClient } from '../../helpers/client.js';
import { serve } from '../../helpers/serve.js';

const { client } = enabledClient('http://127.0.0.1:9', { environment: 'test' });
let site: Awaited<ReturnType<typeof serve>>;
beforeAll(async () => {
  site = await serve(createApp({ client }));
});
afterAll(async () => {
  await site?.close();
  await client.shutdown(50);
});

/** Reads a response slowly: a pause after every chunk, as a phone on a bad network would. */
function readSlowly(
  path: string,
  headers: Record<string, string>,
): Promise<{ bytes: number; encoding?: string }> {
  return new Promise((resolve, reject) => {
    get(`${site.url}${path}`, { headers }, (res) => {
      let bytes = 0;
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        res.pause();
        setTimeout(() => res.resume(), 2);
      });
      res.on('end', () => resolve({ bytes, encoding: res.headers['content-encoding'] }));
      res.on('error', reject);
    }).on('error', reject);
  });
}

describe('the streamed page', () => {
  it('streams under compression to a slow client without piling up drain listeners', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(`${warning.name}: ${warning.message}`);
    process.on('warning', onWarning);
    try {
      const { bytes, encoding } = await readSlowly('/stream?rows=40000', {
        'accept-encoding': 'gzip',
        accept: 'text/html',
      });
      expect(encoding).toBe('gzip');
      expect(bytes).toBeGreaterThan(1_000);
      // Warnings are emitted on the next tick.
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings.filter((w) => /MaxListeners|drain/.test(w))).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });
});
