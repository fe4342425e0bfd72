// Scenarios 1, 1b, 1c, 2 and 2b under load. They share five servers: baseline, posthogSnippet,
// connect-livereload, and two controls — `bytes` (the snippet's bytes rendered into the page,
// no middleware: what the bytes alone cost) and `noop` (one pass-through middleware: what any
// middleware costs).
import {
  alternate,
  expectBody,
  startServer,
  stopAll,
  type Target,
  throughputRows,
} from '../lib/http-load.js';
import {
  API_CLIENT,
  BROWSER_ENCODING,
  BROWSER_HTML,
  FETCH_DEFAULT,
  GZIP_ENCODING,
  MARKER,
} from '../lib/requests.js';
import { SCENARIO } from '../lib/scenario-ids.js';
import { log } from '../lib/settings.js';
import type { Scenario } from '../lib/types.js';

const VARIANTS = ['baseline', 'snippet', 'livereload', 'bytes', 'noop'] as const;
type Variant = (typeof VARIANTS)[number];

/** The 30 KB page and the 1 KB JSON route, throughput A/B alternated. */
export const pages: Scenario = {
  name: 'pages',
  title: 'scenarios 1–2b under load',
  async run(settings) {
    const servers = await Promise.all(VARIANTS.map((v) => startServer(['html', v])));
    log(`${VARIANTS.length} servers listening`);
    try {
      const server = (v: Variant) => servers[VARIANTS.indexOf(v)]!;
      const page = (v: Variant) => `${server(v).url}/page`;
      await expectBody(
        page('baseline'),
        BROWSER_HTML,
        (b) => !b.includes(MARKER) && !b.includes('livereload.js'),
        'a page without any snippet',
      );
      const injected = await expectBody(
        page('snippet'),
        BROWSER_HTML,
        (b) => b.includes(MARKER),
        'the PostHog snippet',
      );
      await expectBody(
        page('bytes'),
        BROWSER_HTML,
        (b) => b.includes(MARKER) && b.length === injected.length,
        `the snippet's bytes in the page (${injected.length} characters, as injected)`,
      );
      await expectBody(
        page('livereload'),
        BROWSER_HTML,
        (b) => b.includes('livereload.js'),
        'the livereload snippet',
      );
      for (const headers of [API_CLIENT, FETCH_DEFAULT]) {
        await expectBody(
          `${server('snippet').url}/api/items`,
          headers,
          (b) => b.startsWith('{"items"') && !b.includes(MARKER),
          'the JSON untouched',
        );
      }
      const pageTargets: Record<string, Target> = Object.fromEntries(
        (['baseline', 'snippet', 'livereload', 'bytes'] as const).map((v) => [
          v,
          { url: page(v), app: server(v).app },
        ]),
      );
      log(`${SCENARIO.pageBr} (Accept-Encoding: gzip, deflate, br)`);
      const compressed = await alternate(settings, pageTargets, {
        ...BROWSER_HTML,
        ...BROWSER_ENCODING,
      });
      log(`${SCENARIO.pageIdentity} (no Accept-Encoding)`);
      const identity = await alternate(settings, pageTargets, BROWSER_HTML);
      log(`${SCENARIO.pageGzip} (Accept-Encoding: gzip, deflate)`);
      const gzip = await alternate(settings, pageTargets, { ...BROWSER_HTML, ...GZIP_ENCODING });
      const json = (v: Variant) => ({ url: `${server(v).url}/api/items`, app: server(v).app });
      const jsonTargets = {
        absent: json('baseline'),
        noop: json('noop'),
        snippet: json('snippet'),
      };
      log(SCENARIO.json);
      const api = await alternate(settings, jsonTargets, API_CLIENT);
      log(SCENARIO.jsonAny);
      const any = await alternate(settings, jsonTargets, FETCH_DEFAULT);
      return {
        rows: [
          ...throughputRows(SCENARIO.pageBr, compressed, 'baseline'),
          ...throughputRows(SCENARIO.pageIdentity, identity, 'baseline'),
          ...throughputRows(SCENARIO.pageGzip, gzip, 'baseline'),
          ...throughputRows(SCENARIO.json, api, 'absent'),
          ...throughputRows(SCENARIO.jsonAny, any, 'absent'),
        ],
        notes: [`${SCENARIO.pageBr}: the injected page is ${injected.length} characters long`],
      };
    } finally {
      await stopAll(servers);
    }
  },
};
