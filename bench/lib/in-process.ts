import type { CostJob, CostResult } from '../cost.js';
import { built, SERVER_CPU, spawnPinned } from './processes.js';
import { IN_PROCESS } from './scenario-ids.js';
import { log } from './settings.js';
import type { ScenarioOutput, Settings } from './types.js';

/** Batch sizes and rounds of the in-process run, full and smoke. */
function jobFor(settings: Settings, scenarios: readonly string[]): CostJob {
  return settings.smoke
    ? { rounds: 2, warmup: 1, batches: { page: 10, json: 50, bundle: 2 }, scenarios }
    : { rounds: 30, warmup: 4, batches: { page: 80, json: 400, bundle: 10 }, scenarios };
}

/**
 * Runs `scenarios` (SCENARIO ids) in process (bench/cost.ts, pinned to the server core) and
 * returns one row per scenario and variant; the first variant is each scenario's baseline.
 */
export async function inProcess(
  settings: Settings,
  scenarios: readonly string[],
): Promise<ScenarioOutput> {
  const job = jobFor(settings, scenarios);
  log(
    `in process: ${job.rounds} rounds of batches (${job.batches.page} pages, ${job.batches.json} JSON, ${job.batches.bundle} bundles) per variant: ${scenarios.join('; ')}`,
  );
  const cost = spawnPinned(SERVER_CPU, ['--expose-gc', built('cost'), JSON.stringify(job)]);
  try {
    const result = await cost.next<CostResult>(20 * 60_000);
    const rows = Object.entries(result.figures).flatMap(([scenario, variants]) => {
      const [baseline] = Object.keys(variants);
      return Object.entries(variants).map(([variant, values]) => ({
        scenario,
        variant,
        metric: IN_PROCESS,
        unit: 'µs',
        values,
        ...(variant === baseline ? {} : { baseline: variants[baseline!]! }),
      }));
    });
    return { rows, notes: result.notes };
  } finally {
    await cost.stop();
  }
}
