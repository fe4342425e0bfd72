import type { CostJob, CostResult } from '../cost.js';
import { runPinnedJob } from './processes.js';
import { ALLOCATED, ALLOCATED_BEYOND_SNIPPET, IN_PROCESS, SCENARIO } from './scenario-ids.js';
import { log } from './settings.js';
import type { Row, ScenarioOutput, Settings } from './types.js';

/** The scenarios whose bytes allocated per page are measured. */
const PAGE_SCENARIOS: ReadonlySet<string> = new Set([
  SCENARIO.pageBr,
  SCENARIO.pageIdentity,
  SCENARIO.pageGzip,
  SCENARIO.realistic,
]);

/** Rounds of allocation batches (the figure hardly varies: a few rounds suffice). */
const ALLOCATION_ROUNDS = { smoke: 2, full: 10 };
/**
 * The young generation of the allocation run, in MiB per semi-space: larger than a batch of
 * pages allocates, so that no GC runs inside a batch.
 */
const ALLOCATION_SEMI_SPACE_MIB = 256;
/** Pages per allocation batch: the realistic page allocates about 1 MB, so 40 fit. */
const ALLOCATION_BATCH = 40;

/** Batch sizes and rounds of the in-process run, full and smoke. */
function jobFor(settings: Settings, scenarios: readonly string[]): Omit<CostJob, 'measure'> {
  return settings.smoke
    ? { rounds: 2, warmup: 1, batches: { page: 10, json: 50, bundle: 2 }, scenarios }
    : { rounds: 30, warmup: 4, batches: { page: 80, json: 400, bundle: 10 }, scenarios };
}

/**
 * One row per scenario and variant of `figures` (the first variant is the baseline). For
 * allocations, also the injected page's bytes over the bare page's, round by round, less the
 * snippet's own bytes: what the middleware allocates beyond what it splices.
 */
function rowsOf(
  figures: Record<string, Record<string, number[]>>,
  metric: string,
  unit: string,
  snippetBytes?: number,
): Row[] {
  return Object.entries(figures).flatMap(([scenario, variants]) => {
    const [baseline] = Object.keys(variants);
    const base = variants[baseline!]!;
    const rows: Row[] = Object.entries(variants).map(([variant, values]) => ({
      scenario,
      variant,
      metric,
      unit,
      values,
      ...(variant === baseline ? {} : { baseline: base }),
    }));
    const injected = variants.snippet;
    if (snippetBytes !== undefined && injected) {
      rows.push({
        scenario,
        variant: 'snippet',
        metric: ALLOCATED_BEYOND_SNIPPET,
        unit,
        values: injected.map((value, i) => value - (base[i] ?? Number.NaN) - snippetBytes),
      });
    }
    return rows;
  });
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
  const cpu = await run(['--expose-gc'], { ...job, measure: 'cpu' });
  const rows = rowsOf(cpu.figures, IN_PROCESS, 'µs');
  const notes = [...cpu.notes];
  if (scenarios.some((id) => PAGE_SCENARIOS.has(id))) {
    const rounds = settings.smoke ? ALLOCATION_ROUNDS.smoke : ALLOCATION_ROUNDS.full;
    log(`in process: bytes allocated, ${rounds} rounds of ${ALLOCATION_BATCH} pages per variant`);
    const allocated = await run(
      [
        '--expose-gc',
        `--min-semi-space-size=${ALLOCATION_SEMI_SPACE_MIB}`,
        `--max-semi-space-size=${ALLOCATION_SEMI_SPACE_MIB}`,
      ],
      {
        ...job,
        rounds,
        batches: { ...job.batches, page: ALLOCATION_BATCH },
        measure: 'allocation',
      },
    );
    rows.push(...rowsOf(allocated.figures, ALLOCATED, 'B', allocated.snippetBytes));
    notes.push(
      `bytes allocated per page, in process: the growth of the JS heap and of the Buffers' memory over a batch of ${ALLOCATION_BATCH} pages that no GC interrupted (a full GC before each, a ${ALLOCATION_SEMI_SPACE_MIB} MiB semi-space), ${rounds} rounds per variant in a second process; the snippet spliced ${allocated.snippetBytes} bytes`,
    );
  }
  return { rows, notes };
}

/** Runs bench/cost.ts pinned to the server core with `flags`, and returns what it printed. */
function run(flags: readonly string[], job: CostJob): Promise<CostResult> {
  return runPinnedJob<CostResult>('cost', flags, job, 20 * 60_000);
}
