// Scenarios 1–2b measured in one process (bench/cost.ts): CPU per response, the variants
// alternated batch by batch, no network and no load generator.
import { inProcess } from '../lib/in-process.js';
import { SCENARIO } from '../lib/scenario-ids.js';
import type { Scenario } from '../lib/types.js';

/** The in-process cost of the 30 KB page and the JSON route. */
export const cost: Scenario = {
  name: 'cost',
  title: 'scenarios 1–2b in process, CPU and bytes allocated',
  run: (settings) =>
    inProcess(settings, [
      SCENARIO.pageBr,
      SCENARIO.pageIdentity,
      SCENARIO.pageGzip,
      SCENARIO.json,
      SCENARIO.jsonAny,
    ]),
};
