import { get } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { LiveFeed } from '../../../src/apps/inspector/live.js';
import { serve } from '../../helpers/serve.js';

let site: Awaited<ReturnType<typeof serve>> | undefined;
afterEach(async () => {
  await site?.close();
  site = undefined;
});

async function serveFeed(options: ConstructorParameters<typeof LiveFeed>[0]) {
  const feed = new LiveFeed(options);
  site = await serve((req, res) => feed.open(req, res, () => ({ rows: [] })));
  return feed;
}

describe('LiveFeed, the inspector page stream', () => {
  it('sends a reset first, then a heartbeat comment while nothing happens', async () => {
    await serveFeed({ maxClients: 2, heartbeatMs: 30, maxQueuedBytes: 1 << 20 });
    const text = await new Promise<string>((resolve, reject) => {
      get(site!.url, (res) => {
        let body = '';
        res.on('data', (chunk) => {
          body += chunk;
          if (body.includes(': heartbeat')) {
            res.destroy();
            resolve(body);
          }
        });
      }).on('error', reject);
    });
    expect(text).toMatch(/^retry: 2000\n\nevent: reset\ndata: \{"rows":\[\]\}\n\n/);
  });

  it('drops a client that stops reading once its queue passes the bound', async () => {
    const feed = await serveFeed({
      maxClients: 2,
      heartbeatMs: 60_000,
      maxQueuedBytes: 256 * 1024,
    });
    const request = get(site!.url, (res) => res.pause());
    await new Promise((resolve) => request.once('response', resolve));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(feed.size).toBe(1);
    const big = { pad: 'x'.repeat(64 * 1024) };
    for (let i = 0; i < 400 && feed.size > 0; i += 1) {
      feed.send('rows', big);
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(feed.size).toBe(0);
    request.destroy();
  });
});
