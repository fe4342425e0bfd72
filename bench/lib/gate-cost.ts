// The redaction gate's cost on a server `$exception` (docs/performance.md): bench/gate.ts,
// bundled like dist/ and pinned to the server core, runs the real posthog-node with the gate
// and without (and without again, the A/A control), alternated, then the gate alone; this
// turns what it prints into the capture scenario's rows.
import type { GateJob, GateResult } from '../gate.js';
import { runPinnedJob } from './processes.js';
import { SCENARIO } from './scenario-ids.js';
import type { Row, Settings } from './types.js';

/** The report's metric for the gate's A/B. */
export const GATE_METRIC = 'CPU per $exception, in process';
/** The report's metric for the gate's own work. */
export const GATE_ALONE_METRIC = 'CPU of redactEvent per fresh $exception, in process';

/** The gate on/off rows of the capture scenario, and a note on a 1 MB event. */
export async function gateCost(settings: Settings): Promise<{ rows: Row[]; notes: string[] }> {
  const job: GateJob = settings.smoke ? { rounds: 2, batch: 50 } : { rounds: 60, batch: 300 };
  const result = await runPinnedJob<GateResult>('gate', ['--expose-gc'], job, 10 * 60_000);
  const scenario = SCENARIO.capture;
  const off = result.values['gate off'];
  return {
    rows: [
      { scenario, variant: 'gate off', metric: GATE_METRIC, unit: 'µs', values: off },
      {
        scenario,
        variant: 'gate off, again',
        metric: GATE_METRIC,
        unit: 'µs',
        values: result.values['gate off, again'],
        baseline: off,
      },
      {
        scenario,
        variant: 'gate on',
        metric: GATE_METRIC,
        unit: 'µs',
        values: result.values['gate on'],
        baseline: off,
      },
      {
        scenario,
        variant: 'gate alone',
        metric: GATE_ALONE_METRIC,
        unit: 'µs',
        values: result.alone,
      },
    ],
    notes: [
      `redaction gate: a 1 MB event (1,000 distinct strings of 1 KB) redacted in ${result.bigEventMs.toFixed(1)} ms`,
    ],
  };
}
