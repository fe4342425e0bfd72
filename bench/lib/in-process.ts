import type { CostJob, CostResult, ServeCommand } from '../cost.js';
import { built, type JsonChild, runPinnedJob, SERVER_CPU, spawnPinned } from './processes.js';
import { ALLOCATED, ALLOCATED_BEYOND_SNIPPET, IN_PROCESS, SCENARIO } from './scenario-ids.js';
import { log } from './settings.js';
import { quantiles, rotate } from './stats.js';
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

/**
 * One note per page scenario of the per-request run: each variant's quartiles and 90th
 * percentile of CPU per request, and the share of requests over 1 ms (those that paid for a
 * garbage collection or a compilation). The batches' minima leave out both; a visitor's
 * request does not.
 */
function requestNotes(figures: Record<string, Record<string, number[]>>): string[] {
  return Object.entries(figures).map(([scenario, variants]) => {
    const parts = Object.entries(variants).map(([variant, values]) => {
      const [p25, p50, p75, p90] = quantiles(values, [0.25, 0.5, 0.75, 0.9]).map((value) =>
        value.toFixed(0),
      );
      const slow = values.filter((value) => value > 1000).length / values.length;
      return `${variant} ${p25} / ${p50} / ${p75} / ${p90} µs, ${(slow * 100).toFixed(1)} % over 1 ms`;
    });
    const counts = Object.values(variants)[0]?.length ?? 0;
    return `${scenario}: CPU of each request on its own, p25 / p50 / p75 / p90 (${counts} requests per variant, no GC forced): ${parts.join('; ')}`;
  });
}

/**
 * Batch sizes and rounds of the in-process run, full and smoke. The warm-up is long enough
 * for V8 to have optimized the package's code: with 4 batches of pages (320), the snippet's
 * tokenizer and adapter were still being compiled in the measured rounds, which put about
 * 60 µs on its median page with brotli (docs/performance.md, "One process per variant").
 */
function jobFor(settings: Settings, scenarios: readonly string[]): Omit<CostJob, 'measure'> {
  return settings.smoke
    ? { rounds: 2, warmup: 1, batches: { page: 10, json: 50, bundle: 2 }, scenarios }
    : { rounds: 30, warmup: 40, batches: { page: 80, json: 400, bundle: 10 }, scenarios };
}

/**
 * The variants alternated batch by batch, each in a process of its own (`serve` mode of
 * bench/cost.ts, all pinned to the server core; only one runs at a time): per scenario of
 * `plan`, `rounds` rounds of one batch per variant, the order rotated. `measure` `cpu` gives
 * one figure per batch; `requests` the CPU of each request.
 */
async function alternateProcesses(
  servers: Readonly<Record<string, JsonChild>>,
  plan: Readonly<Record<string, string[]>>,
  rounds: number,
  measure: ServeCommand['measure'],
  only: (scenario: string) => boolean = () => true,
): Promise<Record<string, Record<string, number[]>>> {
  const figures: Record<string, Record<string, number[]>> = {};
  for (const [scenario, variants] of Object.entries(plan)) {
    if (!only(scenario)) continue;
    const perVariant: Record<string, number[]> = Object.fromEntries(variants.map((v) => [v, []]));
    for (let round = 0; round < rounds; round += 1) {
      for (const variant of rotate(variants, round)) {
        const server = servers[variant]!;
        server.send(JSON.stringify({ scenario, measure } satisfies ServeCommand));
        const { values } = await server.next<{ values: number[] }>(120_000);
        perVariant[variant]!.push(...values);
      }
    }
    figures[scenario] = perVariant;
  }
  return figures;
}

/**
 * CPU per response and per page request, each variant in its own process (see
 * {@link alternateProcesses}); the plan and the notes come from a `verify` run first.
 */
async function cpuInProcesses(
  job: Omit<CostJob, 'measure'>,
): Promise<{ cpu: CostResult['figures']; requests: CostResult['figures']; notes: string[] }> {
  const checked = await run(['--expose-gc'], { ...job, measure: 'verify' });
  const variants = [...new Set(Object.values(checked.plan).flat())];
  const servers: Record<string, JsonChild> = {};
  try {
    for (const variant of variants) {
      const scenarios = Object.keys(checked.plan).filter((id) =>
        checked.plan[id]!.includes(variant),
      );
      const serveJob: CostJob = { ...job, scenarios, variants: [variant], measure: 'serve' };
      servers[variant] = spawnPinned(SERVER_CPU, [
        '--expose-gc',
        built('cost'),
        JSON.stringify(serveJob),
      ]);
      // One at a time: each warms up alone, as it will be measured.
      await servers[variant].next(20 * 60_000);
    }
    const cpu = await alternateProcesses(servers, checked.plan, job.rounds, 'cpu');
    log('in process: CPU of each page request on its own');
    const requests = await alternateProcesses(servers, checked.plan, job.rounds, 'requests', (id) =>
      PAGE_SCENARIOS.has(id),
    );
    return { cpu, requests, notes: checked.notes };
  } finally {
    await Promise.all(Object.values(servers).map((server) => server.stop()));
  }
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
  const measured = await cpuInProcesses(job);
  const rows = rowsOf(measured.cpu, IN_PROCESS, 'µs');
  const notes = [...measured.notes, ...requestNotes(measured.requests)];
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
