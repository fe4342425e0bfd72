import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { post, serveInspector } from './helpers.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function heapUsed(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

let site: Awaited<ReturnType<typeof serveInspector>>;
beforeAll(async () => {
  site = await serveInspector();
});
afterAll(() => site?.close());

/** posthog-js-sized pageviews: a few hundred bytes of properties each. */
function batchOf(from: number, count: number): string {
  const batch = Array.from({ length: count }, (_, i) => ({
    event: '$pageview',
    properties: {
      distinct_id: `user-${from + i}`,
      $session_id: `session-${(from + i) % 97}`,
      $current_url: `http://127.0.0.1:3000/page/${from + i}`,
      $lib: 'web',
      $lib_version: '1.449.2',
      $screen_height: 1080,
      $screen_width: 1920,
      $referrer: '$direct',
      padding: 'x'.repeat(200),
    },
  }));
  return JSON.stringify({ api_key: 'phc_local_inspector', batch });
}

describe('the inspector under 50,000 events', () => {
  it('keeps its ring at the bound, and its heap flat, while 50,000 events arrive', async () => {
    const perBatch = 1_000;
    // Fill the ring to its bound once, then measure the heap as 49,000 more arrive.
    const empty = heapUsed();
    await post(`${site.url}/_inspector/batch/`, batchOf(0, perBatch));
    const full = heapUsed();
    for (let from = perBatch; from < 50_000; from += perBatch) {
      const { status } = await post(`${site.url}/_inspector/batch/`, batchOf(from, perBatch));
      expect(status).toBe(200);
    }
    const after = heapUsed();
    const stats = site.inspector.store.stats();
    const growthMb = (after - full) / 1024 / 1024;
    console.info(
      `inspector ring at 50,000 events: ${stats.size} kept, ${stats.dropped} dropped, ${(stats.bytes / 1024 / 1024).toFixed(2)} MiB of event JSON; heap ${(empty / 1024 / 1024).toFixed(1)} MiB empty, ${(full / 1024 / 1024).toFixed(1)} MiB with the ring full, ${(after / 1024 / 1024).toFixed(1)} MiB after 50,000 (${growthMb >= 0 ? '+' : ''}${growthMb.toFixed(2)} MiB)`,
    );
    expect(stats.size).toBe(1_000);
    expect(stats.dropped).toBe(49_000);
    const newest = site.inspector.store.list({ limit: 1 })[0];
    expect(newest?.distinctId).toBe('user-49999');
    // 49 ring-fulls went through; a leak of even 1 % of them would be several MiB.
    expect(growthMb).toBeLessThan(3);
  }, 30_000);

  it('holds at most maxStoredBytes of events, however large they are', async () => {
    const small = await serveInspector({ maxStoredBytes: 256 * 1024, maxEvents: 10_000 });
    try {
      for (let from = 0; from < 5_000; from += 500) {
        await post(`${small.url}/_inspector/batch/`, batchOf(from, 500));
      }
      const stats = small.inspector.store.stats();
      expect(stats.bytes).toBeLessThanOrEqual(256 * 1024);
      expect(stats.size).toBeGreaterThan(100);
      expect(stats.size).toBeLessThan(1_000);
    } finally {
      await small.close();
    }
  });
});
