// The CPU cost of one response, measured in process, started pinned by bench/lib/in-process.ts:
//   node --expose-gc <bundle of this file> '<json: CostJob>'
// It builds the bench app of the variants it needs and sends each a real Node IncomingMessage /
// ServerResponse pair over a socket that discards what it is given, one request at a time,
// awaiting 'finish' (compression's zlib work included). A batch's figure is the process's CPU
// time (process.cpuUsage(), all threads) over the batch, divided by its requests.
//
// No network, no load generator, no scheduler between two processes: the variants alternate
// batch by batch, so the machine's neighbours weigh on each alike. The bench's figures come
// from `measure: 'serve'`: one process per variant, each warmed up and then running the batches
// its parent asks for, so that no variant's code runs in another's process (with all variants in
// one process, the code they share — Express, compression(), Node's http — is optimized for a
// mix of them, and the one that differs most pays for it; docs/performance.md, "One process per
// variant"). `measure: 'cpu'` runs the variants in this one process, alternated: for a CPU
// profile of one variant alone (`variants`). `measure: 'allocation'` gives the bytes each variant
// allocates per page (allocationBatch); `measure: 'verify'` checks the variants' responses and
// says which variants each scenario has.
// It prints one JSON line: CostResult; in `serve` mode, one line per batch asked for.
import type { RequestListener } from 'node:http';
import { createInterface } from 'node:readline';
import { GCProfiler } from 'node:v8';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { PosthogClient } from '../src/core/client/index.js';
import { loadConfig } from '../src/core/config/index.js';
import { findBundleUrl } from './lib/bundle-url.js';
import { collectAll, collectYoung } from './lib/gc.js';
import { headerOf, inject, sent } from './lib/inject.js';
import {
  BROWSER_ENCODING,
  BROWSER_HTML,
  GZIP_ENCODING,
  MARKER,
  SCRIPT_REQUEST,
} from './lib/requests.js';
import { SCENARIO } from './lib/scenario-ids.js';
import { rotate, summarize } from './lib/stats.js';
import { buildApp } from './servers/build-app.js';
import { renderOrdersPage } from './servers/orders-page.js';
import { snippetAsInjected } from './servers/snippet-text.js';

/** What bench/run.ts asks for. */
export interface CostJob {
  readonly rounds: number;
  /** Warm-up batches per variant. */
  readonly warmup: number;
  /**
   * `cpu`: CPU per response, every scenario, the variants alternated in this process;
   * `allocation`: bytes allocated per response, the pages only, `rounds` rounds after the
   * warm-up (in a process with a large young generation); `verify`: the variants' responses
   * checked, the plan and the notes, nothing measured; `serve`: the one variant of `variants`
   * warmed up on every scenario that has it, then one batch per line of stdin (ServeCommand).
   */
  readonly measure: 'cpu' | 'allocation' | 'verify' | 'serve';
  /** Requests per batch, by kind of response. */
  readonly batches: Readonly<Record<BatchKind, number>>;
  /** Scenario ids (SCENARIO values) to run. */
  readonly scenarios: readonly string[];
  /**
   * The variants to run, all of each scenario's when absent: one alone, for a CPU profile of
   * it (docs/performance.md, "How the profile was taken").
   */
  readonly variants?: readonly string[];
}

/**
 * What this prints: per scenario, variant and round, µs per response (`cpu`) or bytes
 * allocated per response (`allocation`); and facts seen.
 */
export interface CostResult {
  readonly figures: Record<string, Record<string, number[]>>;
  /** The variants of each scenario run, the baseline first. */
  readonly plan: Record<string, string[]>;
  /** The bytes the snippet splices into the page (anonymous visitor), as the `bytes` control has them. */
  readonly snippetBytes: number;
  readonly notes: string[];
}

/** One batch asked of a `serve` process: its answer is one line, `{ "values": [...] }`. */
export interface ServeCommand {
  readonly scenario: string;
  /** `cpu`: one figure, µs per response over the batch; `requests`: the µs of each request. */
  readonly measure: 'cpu' | 'requests';
}

type BatchKind = 'page' | 'json' | 'bundle';

/** One scenario measured here; the first variant is the baseline. */
interface InProcessScenario {
  readonly path: (variant: string) => string;
  readonly headers: Record<string, string>;
  readonly variants: readonly string[];
  readonly batch: BatchKind;
}

const BR = BROWSER_ENCODING;

/** The JS heap in use plus the ArrayBuffers' backing stores (Buffers), in bytes. */
function liveBytes(): number {
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return heapUsed + arrayBuffers;
}

/**
 * Bytes allocated per request over `count` sequential requests, in the JS heap and in Buffers:
 * what they grew by over a batch that no GC interrupted. Run with a young generation larger
 * than a batch allocates (`--max-semi-space-size`, bench/lib/in-process.ts), after a full GC;
 * a batch that a GC interrupted anyway (v8's GCProfiler says) is run again, up to 5 times,
 * then kept and counted in a note.
 * (zlib's native memory is neither: it is the same with and without the middleware.)
 */
async function allocationBatch(
  app: RequestListener,
  path: string,
  headers: Record<string, string>,
  count: number,
): Promise<number> {
  let perPage = Number.NaN;
  for (let attempt = 0; attempt < 5; attempt += 1) {
    collectAll();
    const profiler = new GCProfiler();
    profiler.start();
    const start = liveBytes();
    for (let i = 0; i < count; i += 1) {
      const status = await inject(app, path, headers);
      if (status !== 200) throw new Error(`${path}: status ${status}`);
    }
    const end = liveBytes();
    perPage = (end - start) / count;
    if ((profiler.stop()?.statistics.length ?? 0) === 0) return perPage;
  }
  // Not fatal (the smoke run in CI must not fail on a neighbour's GC): counted and noted.
  interruptedBatches += 1;
  return perPage;
}

/** Allocation batches that a GC interrupted in all five attempts: their figure undercounts. */
let interruptedBatches = 0;

function cpuMicros(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}

/**
 * The CPU µs of each of `count` sequential requests, measured one by one: what a batch's
 * average hides, the typical request and the few that pay for a garbage collection or a
 * compilation. No GC is forced: each request pays what falls into it.
 */
async function requestBatch(
  app: RequestListener,
  path: string,
  headers: Record<string, string>,
  count: number,
  into: number[],
): Promise<void> {
  for (let i = 0; i < count; i += 1) {
    const start = cpuMicros();
    const status = await inject(app, path, headers);
    into.push(cpuMicros() - start);
    if (status !== 200) throw new Error(`${path}: status ${status}`);
  }
}

/** CPU µs per request over `count` sequential requests. */
async function batch(
  app: RequestListener,
  path: string,
  headers: Record<string, string>,
  count: number,
): Promise<number> {
  collectYoung();
  const start = cpuMicros();
  for (let i = 0; i < count; i += 1) {
    const status = await inject(app, path, headers);
    if (status !== 200) throw new Error(`${path}: status ${status}`);
  }
  // The batch pays for the young garbage it left, not the next batch.
  collectYoung();
  return (cpuMicros() - start) / count;
}

async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2] ?? '{}') as CostJob;
  // As in the servers: an enabled client whose host is a closed port; nothing is captured.
  const client = new PosthogClient({
    config: loadConfig({}, { apiKey: 'phc_bench', host: 'http://127.0.0.1:9' }),
  });
  const wanted = new Set(job.scenarios);
  // Built on first use: the bundle variants read (and may compress) the bundle at start-up.
  const injected = await snippetAsInjected(client);
  const builders: Record<string, () => RequestListener> = {
    baseline: () => buildApp({ variant: 'baseline', client }),
    absent: () => app('baseline'),
    snippet: () => buildApp({ variant: 'snippet', client }),
    livereload: () => buildApp({ variant: 'livereload', client }),
    noop: () => buildApp({ variant: 'noop', client }),
    bytes: () => buildApp({ variant: 'bytes', client, injected }),
    static: () => buildApp({ variant: 'static', client }),
    package: () => buildApp({ variant: 'snippet', client, snippet: { jsSrc: 'self' } }),
  };
  const apps: Record<string, RequestListener> = {};
  function app(name: string): RequestListener {
    const build = builders[name];
    if (!build) throw new Error(`cost: no app ${name}`);
    apps[name] ??= build();
    return apps[name];
  }
  const notes: string[] = [];
  let bundleUrl = '/unused';
  if (
    [SCENARIO.bundleBr, SCENARIO.bundleGzip, SCENARIO.bundleIdentity].some((s) => wanted.has(s)) &&
    (job.variants ?? ['package']).includes('package')
  ) {
    const page = (await sent(app('package'), '/page', BROWSER_HTML)).body.toString('latin1');
    bundleUrl = await findBundleUrl(page, async (path) =>
      (await sent(app('package'), path, SCRIPT_REQUEST)).body.toString('latin1'),
    );
  }
  const bundlePath = (variant: string) =>
    variant === 'static' ? '/static/array.full.js' : bundleUrl;

  const scenarios: Record<string, InProcessScenario> = {
    [SCENARIO.pageBr]: {
      path: () => '/page',
      headers: { ...BROWSER_HTML, ...BR },
      variants: ['baseline', 'snippet', 'livereload', 'bytes'],
      batch: 'page',
    },
    [SCENARIO.pageIdentity]: {
      path: () => '/page',
      headers: BROWSER_HTML,
      variants: ['baseline', 'snippet', 'livereload', 'bytes'],
      batch: 'page',
    },
    [SCENARIO.pageGzip]: {
      path: () => '/page',
      headers: { ...BROWSER_HTML, ...GZIP_ENCODING },
      variants: ['baseline', 'snippet', 'livereload', 'bytes'],
      batch: 'page',
    },
    [SCENARIO.json]: {
      path: () => '/api/items',
      headers: { accept: 'application/json', ...BR },
      variants: ['absent', 'noop', 'snippet'],
      batch: 'json',
    },
    [SCENARIO.jsonAny]: {
      path: () => '/api/items',
      headers: { accept: '*/*', ...BR },
      variants: ['absent', 'noop', 'snippet'],
      batch: 'json',
    },
    [SCENARIO.realistic]: {
      path: () => '/report',
      headers: { ...BROWSER_HTML, ...BR },
      variants: ['baseline', 'snippet'],
      batch: 'page',
    },
    [SCENARIO.bundleBr]: {
      path: bundlePath,
      headers: { ...SCRIPT_REQUEST, ...BR },
      variants: ['static', 'package'],
      batch: 'bundle',
    },
    [SCENARIO.bundleGzip]: {
      path: bundlePath,
      headers: { ...SCRIPT_REQUEST, 'accept-encoding': 'gzip, deflate' },
      variants: ['static', 'package'],
      batch: 'bundle',
    },
    [SCENARIO.bundleIdentity]: {
      path: bundlePath,
      headers: SCRIPT_REQUEST,
      variants: ['static', 'package'],
      batch: 'bundle',
    },
  };

  const plan: Record<string, string[]> = {};
  for (const [id, scenario] of Object.entries(scenarios)) {
    if (wanted.has(id)) plan[id] = chosen(scenario.variants, job.variants);
  }
  if (job.measure === 'serve') {
    await serve(job, plan, (id, variant) => {
      const scenario = scenarios[id]!;
      return [app(variant), scenario.path(variant), scenario.headers, job.batches[scenario.batch]];
    });
    await client.shutdown(100);
    return;
  }
  if (job.measure !== 'allocation') await verify(app, wanted, scenarios, notes);
  const allocation = job.measure === 'allocation';
  if (wanted.has(SCENARIO.realistic) && job.measure === 'verify') {
    notes.push(renderAlone(job.rounds));
  }
  // `verify` measures nothing: the plan and the notes are its answer.
  const measured = job.measure === 'verify' ? [] : Object.entries(plan);
  const figures: Record<string, Record<string, number[]>> = {};
  for (const [id, variants] of measured) {
    const scenario = scenarios[id]!;
    if (allocation && scenario.batch !== 'page') continue;
    const { path, headers } = scenario;
    const size = job.batches[scenario.batch];
    for (const variant of variants) {
      for (let i = 0; i < job.warmup; i += 1)
        await batch(app(variant), path(variant), headers, size);
    }
    if (allocation) continue;
    const perVariant: Record<string, number[]> = Object.fromEntries(variants.map((v) => [v, []]));
    for (let round = 0; round < job.rounds; round += 1) {
      for (const variant of rotate(variants, round)) {
        perVariant[variant]!.push(await batch(app(variant), path(variant), headers, size));
      }
    }
    figures[id] = perVariant;
  }
  const allocations: Record<string, Record<string, number[]>> = {};
  for (const [id, variants] of allocation ? measured : []) {
    const scenario = scenarios[id]!;
    if (scenario.batch !== 'page') continue;
    const { path, headers } = scenario;
    const perVariant: Record<string, number[]> = Object.fromEntries(variants.map((v) => [v, []]));
    for (let round = 0; round < job.rounds; round += 1) {
      for (const variant of rotate(variants, round)) {
        perVariant[variant]!.push(
          await allocationBatch(app(variant), path(variant), headers, job.batches.page),
        );
      }
    }
    allocations[id] = perVariant;
  }
  if (interruptedBatches > 0) {
    notes.push(
      `bytes allocated: ${interruptedBatches} batch(es) were interrupted by a GC in all five attempts; their figures undercount`,
    );
  }
  const snippetBytes = Buffer.byteLength(injected, 'latin1');
  const result: CostResult = {
    figures: allocation ? allocations : figures,
    plan,
    snippetBytes,
    notes,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  await client.shutdown(100);
}

/** Requests a `serve` process runs, not counted, before each batch it is asked for. */
const RESUME_REQUESTS = 8;

/** What one batch of a scenario runs on: the variant's app, the path, the headers, the size. */
type BatchTarget = [
  app: RequestListener,
  path: string,
  headers: Record<string, string>,
  count: number,
];

/**
 * The `serve` mode: warms the one variant of this process up on every scenario of `plan` that
 * has it, says `{ "ready": true }`, then runs one batch per ServeCommand read from stdin and
 * answers each with `{ "values": [...] }`, until stdin closes.
 */
async function serve(
  job: CostJob,
  plan: Readonly<Record<string, string[]>>,
  target: (scenario: string, variant: string) => BatchTarget,
): Promise<void> {
  const [variant] = job.variants ?? [];
  if (job.variants?.length !== 1 || variant === undefined) {
    throw new Error(`cost: serve takes one variant, got ${JSON.stringify(job.variants)}`);
  }
  for (const [id, variants] of Object.entries(plan)) {
    if (!variants.includes(variant)) continue;
    for (let i = 0; i < job.warmup; i += 1) await batch(...target(id, variant));
  }
  process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
  for await (const line of createInterface({ input: process.stdin })) {
    const command = JSON.parse(line) as ServeCommand;
    const [app, path, headers, count] = target(command.scenario, variant);
    // This process sat idle while the others ran: a few requests first, not counted, so that
    // the batch measures the app as a busy server runs it (warm caches, no wake-up costs).
    await requestBatch(app, path, headers, RESUME_REQUESTS, []);
    const values: number[] = [];
    if (command.measure === 'requests') {
      await requestBatch(app, path, headers, count, values);
    } else {
      values.push(await batch(app, path, headers, count));
    }
    process.stdout.write(`${JSON.stringify({ values })}\n`);
  }
}

/** A scenario's variants, only those of `wanted` when it is given. */
function chosen(variants: readonly string[], wanted: readonly string[] | undefined): string[] {
  return wanted ? variants.filter((variant) => wanted.includes(variant)) : [...variants];
}

/** The realistic page's render alone (no Express, no compression), for the calibration. */
function renderAlone(rounds: number): string {
  const size = 50;
  for (let i = 0; i < size; i += 1) renderOrdersPage('Ada Lovelace');
  const figures: number[] = [];
  for (let round = 0; round < Math.max(rounds, 3); round += 1) {
    collectYoung();
    const start = cpuMicros();
    for (let i = 0; i < size; i += 1) renderOrdersPage('Ada Lovelace');
    collectYoung();
    figures.push((cpuMicros() - start) / size);
  }
  const { min, median } = summarize(figures);
  return `${SCENARIO.realistic}: the render alone (EJS and the query, no Express, no compression) costs ${min.toFixed(0)} µs of CPU in the least-disturbed of ${figures.length} batches of ${size} (median ${median.toFixed(0)} µs)`;
}

/** The body as the client reads it, decoded by its Content-Encoding. */
function decoded(head: string, body: Buffer): Buffer {
  const encoding = headerOf(head, 'content-encoding');
  if (encoding === 'br') return brotliDecompressSync(body);
  if (encoding === 'gzip') return gunzipSync(body);
  return body;
}

/** Checks that each variant a wanted scenario uses sends what it should. */
async function verify(
  app: (name: string) => RequestListener,
  wanted: ReadonlySet<string>,
  scenarios: Readonly<Record<string, InProcessScenario>>,
  notes: string[],
): Promise<void> {
  const expectations: [string, boolean][] = [];
  const body = async (variant: string, path: string) =>
    (await sent(app(variant), path, BROWSER_HTML)).body.toString('latin1');
  if ([SCENARIO.pageBr, SCENARIO.pageGzip, SCENARIO.pageIdentity].some((s) => wanted.has(s))) {
    const injected = await body('snippet', '/page');
    expectations.push(
      ['baseline', !(await body('baseline', '/page')).includes(MARKER)],
      ['snippet', injected.includes(MARKER)],
      ['livereload', (await body('livereload', '/page')).includes('livereload.js')],
      ['bytes', (await body('bytes', '/page')).length === injected.length],
    );
  }
  if (wanted.has(SCENARIO.json) || wanted.has(SCENARIO.jsonAny)) {
    for (const variant of ['baseline', 'noop', 'snippet']) {
      for (const accept of ['application/json', '*/*']) {
        const json = (await sent(app(variant), '/api/items', { accept })).body.toString('latin1');
        expectations.push([`${variant} JSON (${accept})`, json.startsWith('{"items"')]);
      }
    }
  }
  if (wanted.has(SCENARIO.realistic)) {
    expectations.push(
      ['realistic baseline', !(await body('baseline', '/report')).includes(MARKER)],
      ['realistic snippet', (await body('snippet', '/report')).includes(MARKER)],
    );
  }
  for (const id of [SCENARIO.bundleBr, SCENARIO.bundleGzip, SCENARIO.bundleIdentity]) {
    if (!wanted.has(id)) continue;
    const scenario = scenarios[id]!;
    const seen: string[] = [];
    let lengths = new Set<number>();
    for (const variant of scenario.variants) {
      const response = await sent(app(variant), scenario.path(variant), scenario.headers);
      const encoding = headerOf(response.head, 'content-encoding') ?? 'identity';
      seen.push(`${variant} ${encoding}, ${response.body.length.toLocaleString('en-US')} bytes`);
      expectations.push([`${id} ${variant} status`, response.status === 200]);
      lengths = lengths.add(decoded(response.head, response.body).length);
    }
    expectations.push([`${id}: the same bundle from both`, lengths.size === 1]);
    notes.push(
      `${id} (Accept-Encoding: ${scenario.headers['accept-encoding'] ?? 'none'}): sent ${seen.join('; ')}`,
    );
  }
  const wrong = expectations.filter(([, ok]) => !ok).map(([name]) => name);
  if (wrong.length > 0) throw new Error(`cost: unexpected response from ${wrong.join(', ')}`);
}

await main();
