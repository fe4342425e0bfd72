// Scenario 5: a page whose render costs about 1 ms of CPU (bench/servers/orders-page.ts, an
// EJS template over a 200-row "database result"), bare and with posthogSnippet(), behind
// compression() with a browser's Accept-Encoding: throughput under load, and CPU per
// response in process.
import { alternate, expectBody, startServer, stopAll, throughputRows } from '../lib/http-load.js';
import { inProcess } from '../lib/in-process.js';
import { BROWSER_ENCODING, BROWSER_HTML, MARKER } from '../lib/requests.js';
import { SCENARIO } from '../lib/scenario-ids.js';
import { log } from '../lib/settings.js';
import type { Scenario } from '../lib/types.js';

const VARIANTS = ['baseline', 'snippet'] as const;

/** The realistic page, bare vs injected. */
export const realistic: Scenario = {
  name: 'realistic',
  title: SCENARIO.realistic,
  async run(settings) {
    const servers = await Promise.all(VARIANTS.map((v) => startServer(['html', v])));
    let load: Awaited<ReturnType<typeof alternate>>;
    try {
      const [bare, injected] = servers;
      await expectBody(
        `${bare!.url}/report`,
        BROWSER_HTML,
        (b) => !b.includes(MARKER),
        'no snippet',
      );
      await expectBody(
        `${injected!.url}/report`,
        BROWSER_HTML,
        (b) => b.includes(MARKER),
        'the snippet',
      );
      log(`${SCENARIO.realistic}: under load`);
      load = await alternate(
        settings,
        Object.fromEntries(
          VARIANTS.map((v, i) => [v, { url: `${servers[i]!.url}/report`, app: servers[i]!.app }]),
        ),
        { ...BROWSER_HTML, ...BROWSER_ENCODING },
      );
    } finally {
      await stopAll(servers);
    }
    const cost = await inProcess(settings, [SCENARIO.realistic]);
    return {
      rows: [...throughputRows(SCENARIO.realistic, load, 'baseline'), ...cost.rows],
      notes: cost.notes,
    };
  },
};
