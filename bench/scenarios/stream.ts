// Scenario 3: a streamed page of 64 MiB (4 in the smoke run), a fresh server per download so
// that its RSS baseline is its own.
import { metricRows, type ServerStats, startServer } from '../lib/http-load.js';
import { runLoad } from '../lib/processes.js';
import { MARKER } from '../lib/requests.js';
import { SCENARIO } from '../lib/scenario-ids.js';
import { rotate } from '../lib/stats.js';
import type { Scenario } from '../lib/types.js';

/** What bench/load.ts reports for one download. */
interface DownloadResult {
  ttfb: number;
  total: number;
  bytes: number;
  status: number;
  head: string;
}

const VARIANTS = ['baseline', 'snippet'] as const;

/** Time to first byte, total time and peak RSS growth of one big streamed download. */
export const stream: Scenario = {
  name: 'stream',
  title: SCENARIO.stream,
  async run(settings) {
    const ttfb: Record<string, number[]> = { baseline: [], snippet: [] };
    const total: Record<string, number[]> = { baseline: [], snippet: [] };
    const rss: Record<string, number[]> = { baseline: [], snippet: [] };
    for (let round = 0; round < settings.rounds; round += 1) {
      for (const variant of rotate(VARIANTS, round)) {
        const { app, url } = await startServer(
          ['stream', variant, String(settings.streamMiB)],
          true,
        );
        try {
          const got = await runLoad<DownloadResult>({ kind: 'download', url: `${url}/big` });
          app.send('stats');
          const stats = await app.next<ServerStats>();
          if (got.status !== 200 || got.bytes < settings.streamMiB * 1024 * 1024) {
            throw new Error(`stream ${variant}: status ${got.status}, ${got.bytes} bytes`);
          }
          if (got.head.includes(MARKER) !== (variant === 'snippet')) {
            throw new Error(
              `stream ${variant}: snippet ${variant === 'snippet' ? 'missing' : 'injected'}`,
            );
          }
          ttfb[variant]!.push(got.ttfb);
          total[variant]!.push(got.total);
          rss[variant]!.push(stats.rssGrowth / 1024 / 1024);
        } finally {
          await app.stop();
        }
      }
    }
    return {
      rows: [
        ...metricRows(SCENARIO.stream, 'time to first byte', 'ms', ttfb, 'baseline'),
        ...metricRows(SCENARIO.stream, 'total time', 'ms', total, 'baseline'),
        ...metricRows(SCENARIO.stream, 'peak RSS growth', 'MiB', rss, 'baseline'),
      ],
      notes: [`${SCENARIO.stream}: ${settings.streamMiB} MiB per download`],
    };
  },
};
