// Scenario 7: first visit in Chromium, cold cache (a new context per visit), for no snippet,
// the inline snippet and the boot tag, A/B alternated; 7b: the second visit in the same
// context. The driver (bench/browser.ts) and Chromium run on the load core with a loopback
// capture server; the app servers (jsSrc 'self', api_host the capture server) on the server
// core. Deliveries this build does not offer are skipped with a line saying so.
import { PosthogClient } from '../../src/core/client/index.js';
import { loadConfig } from '../../src/core/config/index.js';
import type { BrowserJob, BrowserResult } from '../browser.js';
import type { Delivery } from '../lib/delivery.js';
import { type BenchServer, metricRows, startServer, stopAll } from '../lib/http-load.js';
import { built, type JsonChild, LOAD_CPU, spawnPinned } from '../lib/processes.js';
import { SCENARIO } from '../lib/scenario-ids.js';
import { log } from '../lib/settings.js';
import type { Row, Scenario } from '../lib/types.js';
import { availableDeliveries } from '../servers/snippet-text.js';

/** The variants, in report order: the name in the report, and the bench server's variant. */
const VARIANTS: readonly { readonly name: string; readonly server: 'baseline' | Delivery }[] = [
  { name: 'none', server: 'baseline' },
  { name: 'inline', server: 'inline' },
  { name: 'boot', server: 'boot' },
];

/** Which deliveries to visit, by trying them in process (the servers run the same code). */
async function deliveries(): Promise<{ available: Delivery[]; notes: string[] }> {
  const client = new PosthogClient({
    config: loadConfig({}, { apiKey: 'phc_bench', host: 'http://127.0.0.1:9' }),
  });
  try {
    return await availableDeliveries(client);
  } finally {
    await client.shutdown(100);
  }
}

/** Per round: boot's DOMContentLoaded minus inline's, less boot's measured round trip. */
function overInline(result: BrowserResult): number[] | undefined {
  const boot = result.figures.boot;
  const inline = result.figures.inline;
  if (!boot || !inline) return undefined;
  return boot.dcl.map((dcl, i) => dcl - (inline.dcl[i] ?? Number.NaN) - (boot.rtt[i] ?? 0));
}

/** DOMContentLoaded and the first $pageview on a cold visit; requests on a repeat visit. */
export const browser: Scenario = {
  name: 'browser',
  title: SCENARIO.firstVisit,
  async run(settings) {
    const offered = await deliveries();
    const notes = offered.notes.map((n) => `${SCENARIO.firstVisit}: ${n}`);
    const variants = VARIANTS.filter(
      (v) => v.server === 'baseline' || offered.available.includes(v.server),
    );
    let driver: JsonChild | undefined;
    const servers: BenchServer[] = [];
    let result: BrowserResult;
    try {
      driver = spawnPinned(LOAD_CPU, [built('browser')]);
      const { capture } = await driver.next<{ capture: string }>(60_000);
      for (const v of variants) servers.push(await startServer(['browser', v.server, capture]));
      const job: BrowserJob = {
        rounds: settings.smoke ? 1 : Math.max(settings.rounds, 15),
        warmup: !settings.smoke,
        targets: variants.map((v, i) => ({ variant: v.name, url: servers[i]!.url })),
      };
      log(
        `${SCENARIO.firstVisit}: ${job.rounds} rounds of ${variants.map((v) => v.name).join(', ')}`,
      );
      driver.send(JSON.stringify(job));
      const answer = await driver.next<BrowserResult & { error?: string }>(30 * 60_000);
      if (answer.error) throw new Error(`browser driver: ${answer.error}`);
      result = answer;
    } finally {
      await driver?.stop(10_000);
      await stopAll(servers);
    }
    const column = (pick: (f: BrowserResult['figures'][string]) => number[], names: string[]) =>
      Object.fromEntries(
        names.filter((n) => result.figures[n]).map((n) => [n, pick(result.figures[n]!)]),
      );
    const all = variants.map((v) => v.name);
    const snippets = all.filter((n) => n !== 'none');
    const rows: Row[] = [
      ...metricRows(
        SCENARIO.firstVisit,
        'time to DOMContentLoaded',
        'ms',
        column((f) => f.dcl, all),
        'none',
      ),
      ...metricRows(
        SCENARIO.firstVisit,
        'time to first $pageview request',
        'ms',
        column((f) => f.pageview, snippets),
        'inline',
      ),
      ...metricRows(
        SCENARIO.firstVisit,
        'same-origin round trip (fastest of 3)',
        'ms',
        column((f) => f.rtt, all),
        undefined,
      ),
      ...metricRows(
        SCENARIO.repeatVisit,
        'requests for the bundle',
        'count',
        column((f) => f.bundleRepeat, snippets),
        undefined,
      ),
    ];
    const bootRepeat = result.figures.boot?.bootRepeat ?? [];
    if (bootRepeat.length > 0) {
      rows.push(
        ...metricRows(
          SCENARIO.repeatVisit,
          'requests for the boot script',
          'count',
          { boot: bootRepeat },
          undefined,
        ),
      );
    } else if (result.figures.boot) {
      notes.push(
        `${SCENARIO.repeatVisit}: the boot page carries no <script src> with the marker or a boot path: nothing to count`,
      );
    }
    const over = overInline(result);
    if (over) {
      rows.push({
        scenario: SCENARIO.firstVisit,
        variant: 'boot',
        metric: 'DOMContentLoaded over inline, less one round trip',
        unit: 'ms',
        values: over,
      });
    }
    return { rows, notes: [...notes, ...result.notes.map((n) => `${SCENARIO.firstVisit}: ${n}`)] };
  },
};
