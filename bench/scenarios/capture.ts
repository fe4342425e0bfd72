// Scenario 4: captureException on every request, the PostHog host answering (a minimal capture
// host on the load core), hanging, and refusing (a closed port); against the same route that
// creates the error but does not capture it (`none`).

import { gateCost } from '../lib/gate-cost.js';
import {
  alternate,
  type BenchServer,
  type ServerStats,
  startCaptureHost,
  startServer,
  stopAll,
  throughputRows,
} from '../lib/http-load.js';
import { API_CLIENT } from '../lib/requests.js';
import { SCENARIO } from '../lib/scenario-ids.js';
import type { Scenario } from '../lib/types.js';

const VARIANTS = ['none', 'ok', 'hang', 'refuse'] as const;

/** The discard port: nothing listens, connections are refused. */
const REFUSING = 'http://127.0.0.1:9';

/** captureException under a healthy, a hanging and a refusing PostHog host. */
export const capture: Scenario = {
  name: 'capture',
  title: SCENARIO.capture,
  async run(settings) {
    const hosts: BenchServer[] = [];
    const servers: BenchServer[] = [];
    try {
      hosts.push(await startCaptureHost('ok'), await startCaptureHost('hang'));
      const hostOf = {
        none: hosts[0]!.url,
        ok: hosts[0]!.url,
        hang: hosts[1]!.url,
        refuse: REFUSING,
      };
      servers.push(
        ...(await Promise.all(VARIANTS.map((v) => startServer(['capture', v, hostOf[v]])))),
      );
      const targets = Object.fromEntries(
        VARIANTS.map((v, i) => [v, { url: `${servers[i]!.url}/fail`, app: servers[i]!.app }]),
      );
      const results = await alternate(settings, targets, API_CLIENT);
      const highWater: string[] = [];
      for (const [i, variant] of VARIANTS.entries()) {
        servers[i]!.app.send('stats');
        highWater.push(`${variant} ${(await servers[i]!.app.next<ServerStats>()).maxQueue}`);
      }
      // The cost of the fault itself: hanging and refusing against the host answering.
      const faults = { ok: results.ok!, hang: results.hang!, refuse: results.refuse! };
      // The redaction gate's own cost, in process (bench/lib/gate-cost.ts).
      const gate = await gateCost(settings);
      return {
        rows: [
          ...gate.rows,
          ...throughputRows(SCENARIO.capture, results, 'none'),
          ...throughputRows(SCENARIO.capture, faults, 'ok', (v) => `${v} vs ok`).filter(
            (row) => row.variant !== 'ok vs ok',
          ),
        ],
        notes: [`SDK queue high-water mark (bound 1000): ${highWater.join(', ')}`, ...gate.notes],
      };
    } finally {
      await stopAll([...servers, ...hosts]);
    }
  },
};
