// Scenario 8: bytes each delivery form adds to a page, for an anonymous visitor and for a
// logged-in user (posthogUser, identify mode `email`, the default): the difference in body
// length between the bare and the injected page (identity encoding), and between the two
// pages compressed as compression() does (brotli quality 4). In process, one render each,
// with the default configuration (the CDN loader; `jsSrc: 'self'` changes the inline form's
// `src` by a few bytes).
import { brotliCompressSync, constants } from 'node:zlib';
import { PosthogClient } from '../../src/core/client/index.js';
import { loadConfig } from '../../src/core/config/index.js';
import { sent } from '../lib/inject.js';
import { inserted } from '../lib/inserted-page.js';
import { BROWSER_HTML } from '../lib/requests.js';
import { SCENARIO } from '../lib/scenario-ids.js';
import type { Row, Scenario } from '../lib/types.js';
import { BENCH_USER, buildApp } from '../servers/build-app.js';
import { availableDeliveries } from '../servers/snippet-text.js';

const VISITORS = [
  ['anonymous', {}],
  ['logged-in', { 'x-bench-user': '1' }],
] as const;

/** A project key as long as PostHog's (`phc_` and 43 characters). */
const PROJECT_KEY = `phc_${'Bench0123456789'.repeat(3).slice(0, 43)}`;

/** compression()'s brotli (quality 4). */
function brotliLength(text: string): number {
  return brotliCompressSync(Buffer.from(text, 'latin1'), {
    params: { [constants.BROTLI_PARAM_QUALITY]: 4 },
  }).length;
}

/** Bytes per page by delivery and visitor. */
export const bytes: Scenario = {
  name: 'bytes',
  title: SCENARIO.bytes,
  async run() {
    // PostHog's own host and a project key of a real key's length (phc_ + 43), so that the
    // bytes are a real app's; nothing is captured, so nothing is sent.
    const client = new PosthogClient({
      config: loadConfig({}, { apiKey: PROJECT_KEY, host: 'https://us.i.posthog.com' }),
    });
    const rows: Row[] = [];
    const notes: string[] = [];
    try {
      const bare = buildApp({ variant: 'baseline', client, users: true });
      const barePage = (await sent(bare, '/page', BROWSER_HTML)).body.toString('latin1');
      const deliveries = await availableDeliveries(client);
      notes.push(...deliveries.notes.map((n) => `${SCENARIO.bytes}: ${n}`));
      for (const delivery of deliveries.available) {
        const app = buildApp({ variant: delivery, client, users: true });
        for (const [visitor, headers] of VISITORS) {
          const got = await inserted(bare, app, '/page', headers);
          const variant = `${delivery}, ${visitor}`;
          rows.push(
            {
              scenario: SCENARIO.bytes,
              variant,
              metric: 'bytes added, identity',
              unit: 'B',
              values: [got.bytes],
            },
            {
              scenario: SCENARIO.bytes,
              variant,
              metric: 'bytes added, brotli q4',
              unit: 'B',
              values: [brotliLength(got.page) - brotliLength(barePage)],
            },
          );
          const shown = got.text.length > 160 ? `${got.text.slice(0, 160)}…` : got.text;
          notes.push(`${SCENARIO.bytes}, ${variant}: ${JSON.stringify(shown)}`);
        }
      }
      notes.push(`${SCENARIO.bytes}: the logged-in user is ${JSON.stringify(BENCH_USER)}`);
    } finally {
      await client.shutdown(100);
    }
    return { rows, notes };
  },
};
