// Scenario 6: the posthog-js bundle as the package serves it (`posthogSnippet({ jsSrc: 'self' })`
// behind compression(), as the docs register it) against `express.static` serving a copy of
// the same file with precompressed .br/.gz beside it (bench/servers/build-app.ts, `static`).
// Whatever the package does is measured: if it leaves the bundle to compression(), every
// response pays for brotli or gzip, and the ratio shows it. Throughput under load, and CPU
// per response in process, for a browser's br, gzip only, and no Accept-Encoding.
import { findBundleUrl } from '../lib/bundle-url.js';
import { alternate, expectBody, startServer, stopAll, throughputRows } from '../lib/http-load.js';
import { inProcess } from '../lib/in-process.js';
import { ensurePrecompressed } from '../lib/precompressed.js';
import { BROWSER_ENCODING, BROWSER_HTML, SCRIPT_REQUEST } from '../lib/requests.js';
import { SCENARIO } from '../lib/scenario-ids.js';
import { log } from '../lib/settings.js';
import type { Row, Scenario } from '../lib/types.js';

/** The three request kinds, as scenario id and the request's headers. */
const ENCODINGS = [
  [SCENARIO.bundleBr, { ...SCRIPT_REQUEST, ...BROWSER_ENCODING }],
  [SCENARIO.bundleGzip, { ...SCRIPT_REQUEST, 'accept-encoding': 'gzip, deflate' }],
  [SCENARIO.bundleIdentity, SCRIPT_REQUEST],
] as const;

/** The bundle served by the package vs a precompressed static file of the same bytes. */
export const bundle: Scenario = {
  name: 'bundle',
  title: 'scenarios 6–6c: the posthog-js bundle',
  async run(settings) {
    ensurePrecompressed();
    const servers = await Promise.all(['static', 'snippet'].map((v) => startServer(['bundle', v])));
    const rows: Row[] = [];
    try {
      const [stat, pkg] = servers;
      const page = await expectBody(`${pkg!.url}/page`, BROWSER_HTML, () => true, 'a page');
      const bundleUrl = await findBundleUrl(page, async (path) =>
        (await fetch(`${pkg!.url}${path}`)).text(),
      );
      const targets = {
        static: { url: `${stat!.url}/static/array.full.js`, app: stat!.app },
        package: { url: `${pkg!.url}${bundleUrl}`, app: pkg!.app },
      };
      for (const [id, headers] of ENCODINGS) {
        log(`${id}: under load`);
        rows.push(...throughputRows(id, await alternate(settings, targets, headers), 'static'));
      }
    } finally {
      await stopAll(servers);
    }
    const cost = await inProcess(
      settings,
      ENCODINGS.map(([id]) => id),
    );
    return { rows: [...rows, ...cost.rows], notes: cost.notes };
  },
};
