// The benchmark (issue 7; method and results in docs/performance.md).
//   npm run bench          full run: 10 rounds × 3 s per variant, A/B alternated (≈ 12 minutes)
//   npm run bench:smoke    one short round of every scenario: that it runs, not how fast
// Options: --rounds N, --duration S, --warmup S (seconds), --only cost,pages,stream,capture,
// --out FILE (also write the Markdown report there).
// Servers run pinned to core 1, the load generator (autocannon) and helpers to core 0.
// Exits non-zero when a scenario fails to run (a server error, a non-2xx answer, a page that
// was or was not injected against expectation). Missed targets are reported, not fatal.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { availableParallelism, cpus, totalmem } from 'node:os';
import {
  buildBench,
  built,
  type JsonChild,
  LOAD_CPU,
  runLoad,
  SERVER_CPU,
  spawnPinned,
} from './lib/processes.js';
import { pairedRatios, rotate, type Summary, summarize } from './lib/stats.js';

interface Settings {
  readonly rounds: number;
  readonly duration: number;
  readonly warmup: number;
  readonly connections: number;
  readonly streamMiB: number;
}

function option(name: string): string | undefined {
  const index = process.argv.indexOf(name);
  return index >= 0 ? process.argv[index + 1] : undefined;
}

const smoke = process.argv.includes('--smoke');
const settings: Settings = {
  rounds: Number(option('--rounds') ?? (smoke ? 1 : 10)),
  duration: Number(option('--duration') ?? (smoke ? 1 : 3)),
  warmup: Number(option('--warmup') ?? (smoke ? 0 : 2)),
  connections: smoke ? 8 : 16,
  streamMiB: smoke ? 4 : 64,
};
const out = option('--out');
/** `--only pages,stream,capture` runs a subset. */
const only = option('--only')?.split(',');

interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  bytes: number;
}

interface DownloadResult {
  ttfb: number;
  total: number;
  bytes: number;
  status: number;
  head: string;
}

interface ServerStats {
  rssBaseline: number;
  rssPeak: number;
  rssGrowth: number;
  queue: number;
  maxQueue: number;
  cpu: number;
}

/** One row of the results table. */
interface Row {
  readonly scenario: string;
  readonly variant: string;
  readonly metric: string;
  readonly unit: string;
  readonly values: number[];
  /** The baseline's values for the same rounds; absent on the baseline row itself. */
  readonly baseline?: number[];
}

const BROWSER_HTML = {
  accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
};
const BROWSER_ENCODING = { 'accept-encoding': 'gzip, deflate, br' };
const API_CLIENT = { accept: 'application/json', 'accept-encoding': 'gzip, deflate, br' };
/** What `fetch()` sends by default: the middleware cannot tell it from a page load. */
const FETCH_DEFAULT = { accept: '*/*', 'accept-encoding': 'gzip, deflate, br' };
const MARKER = 'data-express-posthog';

async function startServer(
  args: string[],
  expose = false,
): Promise<{ app: JsonChild; url: string }> {
  const app = spawnPinned(SERVER_CPU, [...(expose ? ['--expose-gc'] : []), built('app'), ...args]);
  const { port } = await app.next<{ port: number }>(30_000);
  return { app, url: `http://127.0.0.1:${port}` };
}

async function load(url: string, headers: Record<string, string>, duration: number) {
  const result = await runLoad<LoadResult>({
    kind: 'autocannon',
    url,
    connections: settings.connections,
    duration,
    headers,
  });
  if (result.requests === 0 || result.errors > 0 || result.non2xx > 0) {
    throw new Error(
      `${url}: ${result.requests} requests, ${result.errors} errors (${result.timeouts} timeouts), ${result.non2xx} non-2xx`,
    );
  }
  return result;
}

/** Asserts what a variant sends: whether the page carries the snippet (or livereload's). */
async function expectBody(
  url: string,
  headers: Record<string, string>,
  check: (body: string) => boolean,
  what: string,
) {
  const response = await fetch(url, { headers });
  const body = await response.text();
  if (!response.ok || !check(body)) {
    throw new Error(`${url} (${response.status}): expected ${what}; got ${body.slice(0, 300)}…`);
  }
}

/**
 * Runs `variants` A/B alternated: every round runs each variant once, in a rotated order.
 * Returns rps and p99 per variant and round.
 */
async function alternate(
  targets: Record<string, Target>,
  headers: Record<string, string>,
): Promise<Record<string, Measured>> {
  const variants = Object.keys(targets);
  const results = Object.fromEntries(
    variants.map((v) => [v, { rps: [] as number[], p99: [] as number[], cpu: [] as number[] }]),
  );
  if (settings.warmup > 0) {
    for (const variant of variants) await load(targets[variant]!.url, headers, settings.warmup);
  }
  for (let round = 0; round < settings.rounds; round += 1) {
    for (const variant of rotate(variants, round)) {
      const { url, app } = targets[variant]!;
      app.send('stats');
      const before = await app.next<ServerStats>();
      const result = await load(url, headers, settings.duration);
      app.send('stats');
      const after = await app.next<ServerStats>();
      results[variant]!.rps.push(result.rps);
      results[variant]!.p99.push(result.p99);
      results[variant]!.cpu.push((after.cpu - before.cpu) / result.requests);
    }
  }
  return results;
}

/** A server to load: the URL, and the server's process for its CPU time. */
interface Target {
  readonly url: string;
  readonly app: JsonChild;
}

/** Per round: requests/s, p99 latency (ms), server CPU time per request (µs). */
interface Measured {
  rps: number[];
  p99: number[];
  cpu: number[];
}

function throughputRows(
  scenario: string,
  results: Record<string, Measured>,
  baseline: string,
  label: (variant: string) => string = (variant) => variant,
): Row[] {
  const base = results[baseline]!;
  return Object.entries(results).flatMap(([variant, r]) => {
    const pair = (values: number[]) => (variant === baseline ? {} : { baseline: values });
    const v = label(variant);
    return [
      {
        scenario,
        variant: v,
        metric: 'throughput',
        unit: 'req/s',
        values: r.rps,
        ...pair(base.rps),
      },
      { scenario, variant: v, metric: 'p99 latency', unit: 'ms', values: r.p99, ...pair(base.p99) },
      {
        scenario,
        variant: v,
        metric: 'server CPU per request',
        unit: 'µs',
        values: r.cpu,
        ...pair(base.cpu),
      },
    ];
  });
}

/**
 * Scenarios 1, 1b, 2 and 2b share five servers: baseline, posthogSnippet, connect-livereload,
 * and two controls — `bytes` (the snippet's bytes rendered into the page, no middleware: what
 * the bytes alone cost) and `noop` (one pass-through middleware: what any middleware costs).
 */
async function pagesAndJson(): Promise<Row[]> {
  const variants = ['baseline', 'snippet', 'livereload', 'bytes', 'noop'] as const;
  const servers = await Promise.all(variants.map((v) => startServer(['html', v])));
  try {
    const url = Object.fromEntries(variants.map((v, i) => [v, servers[i]!.url]));
    const app = Object.fromEntries(variants.map((v, i) => [v, servers[i]!.app]));
    const page = (v: string) => `${url[v]}/page`;
    await expectBody(
      page('baseline'),
      BROWSER_HTML,
      (b) => !b.includes(MARKER) && !b.includes('livereload.js'),
      'a page without any snippet',
    );
    const injected = await (await fetch(page('snippet'), { headers: BROWSER_HTML })).text();
    await expectBody(
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
        `${url.snippet}/api/items`,
        headers,
        (b) => b.startsWith('{"items"') && !b.includes(MARKER),
        'the JSON untouched',
      );
    }

    const pageVariants = ['baseline', 'snippet', 'livereload', 'bytes'];
    const pageTargets = Object.fromEntries(
      pageVariants.map((v) => [v, { url: page(v), app: app[v]! }]),
    );
    log('scenario 1: 30 KB page, br-compressed (Accept-Encoding: gzip, deflate, br)');
    const compressed = await alternate(pageTargets, { ...BROWSER_HTML, ...BROWSER_ENCODING });
    log('scenario 1b: 30 KB page, identity (no Accept-Encoding)');
    const identity = await alternate(pageTargets, BROWSER_HTML);
    const jsonTargets = {
      absent: { url: `${url.baseline}/api/items`, app: app.baseline! },
      noop: { url: `${url.noop}/api/items`, app: app.noop! },
      snippet: { url: `${url.snippet}/api/items`, app: app.snippet! },
    };
    log('scenario 2: 1 KB JSON, Accept: application/json');
    const json = await alternate(jsonTargets, API_CLIENT);
    log('scenario 2b: 1 KB JSON, Accept: */*');
    const jsonAny = await alternate(jsonTargets, FETCH_DEFAULT);
    return [
      ...throughputRows('1. 30 KB page, br', compressed, 'baseline'),
      ...throughputRows('1b. 30 KB page, identity', identity, 'baseline'),
      ...throughputRows('2. 1 KB JSON, application/json', json, 'absent'),
      ...throughputRows('2b. 1 KB JSON, */*', jsonAny, 'absent'),
    ];
  } finally {
    await Promise.all(servers.map((s) => s.app.stop()));
  }
}

/**
 * Scenarios 1, 1b, 2 and 2b measured in one process (bench/cost.ts): CPU per response, the
 * variants alternated batch by batch, no network and no load generator.
 */
async function inProcess(): Promise<Row[]> {
  const job = smoke
    ? { rounds: 2, pageBatch: 10, jsonBatch: 50, warmup: 1 }
    : { rounds: 30, pageBatch: 80, jsonBatch: 400, warmup: 4 };
  log(
    `scenarios 1–2b in process: ${job.rounds} rounds of ${job.pageBatch} pages / ${job.jsonBatch} JSON responses per variant`,
  );
  const cost = spawnPinned(SERVER_CPU, ['--expose-gc', built('cost'), JSON.stringify(job)]);
  try {
    const result = await cost.next<Record<string, Record<string, number[]>>>(15 * 60_000);
    return Object.entries(result).flatMap(([scenario, variants]) => {
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
  } finally {
    await cost.stop();
  }
}

const IN_PROCESS = 'CPU per response, in process';

/** Scenario 3: a fresh server per download, so that its RSS baseline is its own. */
async function streamed(): Promise<Row[]> {
  const variants = ['baseline', 'snippet'] as const;
  const metrics = Object.fromEntries(
    variants.map((v) => [v, { ttfb: [] as number[], total: [] as number[], rss: [] as number[] }]),
  );
  for (let round = 0; round < settings.rounds; round += 1) {
    for (const variant of rotate(variants, round)) {
      const { app, url } = await startServer(['stream', variant, String(settings.streamMiB)], true);
      try {
        const got = await runLoad<DownloadResult>({ kind: 'download', url: `${url}/big` });
        app.send('stats');
        const stats = await app.next<ServerStats>();
        if (got.status !== 200 || got.bytes < settings.streamMiB * 1024 * 1024) {
          throw new Error(`stream ${variant}: status ${got.status}, ${got.bytes} bytes`);
        }
        if (got.head.includes(MARKER) !== (variant === 'snippet')) {
          throw new Error(
            `stream ${variant}: snippet ${variant === 'snippet' ? 'missing' : 'injected'}`,
          );
        }
        metrics[variant]!.ttfb.push(got.ttfb);
        metrics[variant]!.total.push(got.total);
        metrics[variant]!.rss.push(stats.rssGrowth / 1024 / 1024);
      } finally {
        await app.stop();
      }
    }
  }
  const scenario = `3. ${settings.streamMiB} MiB streamed page`;
  const base = metrics.baseline!;
  return variants.flatMap((variant) => {
    const m = metrics[variant]!;
    const paired = (values: number[]) => (variant === 'baseline' ? {} : { baseline: values });
    return [
      {
        scenario,
        variant,
        metric: 'time to first byte',
        unit: 'ms',
        values: m.ttfb,
        ...paired(base.ttfb),
      },
      {
        scenario,
        variant,
        metric: 'total time',
        unit: 'ms',
        values: m.total,
        ...paired(base.total),
      },
      {
        scenario,
        variant,
        metric: 'peak RSS growth',
        unit: 'MiB',
        values: m.rss,
        ...paired(base.rss),
      },
    ];
  });
}

/** The SDK queue's high-water mark per capture variant, for the report. */
const queueHighWater: Record<string, number> = {};

/** Scenario 4: captureException on every request, the PostHog host answering, hanging, refusing. */
async function captureUnderFaults(): Promise<Row[]> {
  const hosts = await Promise.all(
    (['ok', 'hang'] as const).map(async (mode) => {
      const host = spawnPinned(LOAD_CPU, [built('capture-host'), mode]);
      const { port } = await host.next<{ port: number }>();
      return { host, url: `http://127.0.0.1:${port}` };
    }),
  );
  const hostOf: Record<string, string> = {
    none: hosts[0]!.url,
    ok: hosts[0]!.url,
    hang: hosts[1]!.url,
    refuse: 'http://127.0.0.1:9', // the discard port: nothing listens, connections are refused
  };
  const variants = ['none', 'ok', 'hang', 'refuse'];
  const servers = await Promise.all(variants.map((v) => startServer(['capture', v, hostOf[v]!])));
  try {
    const targets = Object.fromEntries(
      variants.map((v, i) => [v, { url: `${servers[i]!.url}/fail`, app: servers[i]!.app }]),
    );
    log('scenario 4: captureException on every request');
    const results = await alternate(targets, API_CLIENT);
    for (const [i, variant] of variants.entries()) {
      servers[i]!.app.send('stats');
      queueHighWater[variant] = (await servers[i]!.app.next<ServerStats>()).maxQueue;
    }
    const rows = throughputRows('4. captureException', results, 'none');
    // The cost of the fault itself: hanging and refusing against the host answering.
    const faults = { ok: results.ok!, hang: results.hang!, refuse: results.refuse! };
    rows.push(
      ...throughputRows('4. captureException', faults, 'ok', (v) => `${v} vs ok`).filter(
        (row) => row.variant !== 'ok vs ok',
      ),
    );
    return rows;
  } finally {
    await Promise.all([...servers.map((s) => s.app.stop()), ...hosts.map((h) => h.host.stop())]);
  }
}

function log(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

function format(value: number, unit: string): string {
  if (unit === 'req/s') return Math.round(value).toLocaleString('en-US');
  if (unit === 'MiB') return value.toFixed(1);
  return value < 10 ? value.toFixed(2) : value.toFixed(0);
}

function ratioOf(row: Row): Summary | undefined {
  return row.baseline ? summarize(pairedRatios(row.values, row.baseline)) : undefined;
}

function table(rows: Row[]): string {
  const lines = [
    '| scenario | variant | metric | min | median | max | ratio to baseline: median (min–max) |',
    '|---|---|---|---:|---:|---:|---:|',
  ];
  for (const row of rows) {
    const s = summarize(row.values);
    const r = ratioOf(row);
    const ratio = r ? `${r.median.toFixed(3)} (${r.min.toFixed(3)}–${r.max.toFixed(3)})` : '—';
    lines.push(
      `| ${row.scenario} | ${row.variant} | ${row.metric} (${row.unit}) | ${format(s.min, row.unit)} | ${format(s.median, row.unit)} | ${format(s.max, row.unit)} | ${ratio} |`,
    );
  }
  return lines.join('\n');
}

function find(rows: Row[], scenario: string, variant: string, metric: string): Row | undefined {
  return rows.find(
    (r) => r.scenario.startsWith(scenario) && r.variant === variant && r.metric === metric,
  );
}

/** The issue's targets, each with what was measured and whether it is met. */
function targets(rows: Row[]): string {
  const lines: string[] = [];
  const check = (label: string, measured: string, met: boolean | undefined) =>
    lines.push(`- ${met === undefined ? '–' : met ? 'met' : 'MISSED'}: ${label} — ${measured}`);
  const ratio = (s: string, v: string, m: string) => {
    const row = find(rows, s, v, m);
    return row ? ratioOf(row)?.median : undefined;
  };
  const median = (s: string, v: string, m: string) => {
    const row = find(rows, s, v, m);
    return row ? summarize(row.values).median : undefined;
  };
  const fmt = (n: number | undefined, digits = 3) => (n === undefined ? 'n/a' : n.toFixed(digits));
  for (const s of ['1.', '1b.']) {
    const injected = ratio(s, 'snippet', 'throughput');
    check(
      `scenario ${s} injected ≥ 0.95 of baseline throughput`,
      `${fmt(injected)}`,
      injected === undefined ? undefined : injected >= 0.95,
    );
    const ours = median(s, 'snippet', 'throughput');
    const theirs = median(s, 'livereload', 'throughput');
    check(
      `scenario ${s} injected ahead of connect-livereload`,
      `${fmt(ours, 0)} vs ${fmt(theirs, 0)} req/s (${fmt(ratio(s, 'snippet', 'throughput'))} vs ${fmt(ratio(s, 'livereload', 'throughput'))} of baseline)`,
      ours === undefined || theirs === undefined ? undefined : ours > theirs,
    );
  }
  for (const s of ['1.', '1b.']) {
    lines.push(
      `- control, scenario ${s}: the snippet's bytes alone (in the page, no middleware) ${fmt(ratio(s, 'bytes', 'throughput'))} of baseline throughput, CPU per request ${fmt(ratio(s, 'bytes', 'server CPU per request'))}× (injected: ${fmt(ratio(s, 'snippet', 'server CPU per request'))}×)`,
    );
  }
  for (const s of ['1.', '1b.', '2.', '2b.']) {
    const measured = rows.filter((r) => r.scenario.startsWith(s) && r.metric === IN_PROCESS);
    const base = measured.find((r) => !r.baseline);
    if (!base) continue;
    const floor = summarize(base.values).min;
    const others = measured
      .filter((r) => r.baseline)
      .map(
        (r) =>
          `${r.variant} ${fmt(summarize(r.values).min / floor)}× (paired median ${fmt(ratioOf(r)?.median)}×)`,
      );
    lines.push(
      `- scenario ${s} CPU per response in process, least-disturbed round (min) against the baseline's: ${others.join('; ')}`,
    );
  }
  for (const s of ['2.', '2b.']) {
    const json = ratio(s, 'snippet', 'throughput');
    check(
      `scenario ${s} ≥ 0.99 of baseline`,
      `${fmt(json)}; CPU per request ${fmt(ratio(s, 'snippet', 'server CPU per request'))}× (one no-op middleware: throughput ${fmt(ratio(s, 'noop', 'throughput'))}, CPU ${fmt(ratio(s, 'noop', 'server CPU per request'))}×)`,
      json === undefined ? undefined : json >= 0.99,
    );
  }
  const rss = find(rows, '3.', 'snippet', 'peak RSS growth');
  const rssMax = rss ? summarize(rss.values).max : undefined;
  check(
    'scenario 3 peak RSS growth < 16 MiB (worst round)',
    `${fmt(rssMax, 1)} MiB`,
    rssMax === undefined ? undefined : rssMax < 16,
  );
  const ttfb = median('3.', 'snippet', 'time to first byte');
  const ttfbBase = median('3.', 'baseline', 'time to first byte');
  const delta = ttfb !== undefined && ttfbBase !== undefined ? ttfb - ttfbBase : undefined;
  check(
    'scenario 3 TTFB within 10 ms of baseline (medians)',
    `${fmt(delta, 2)} ms`,
    delta === undefined ? undefined : Math.abs(delta) <= 10,
  );
  for (const fault of ['hang', 'refuse']) {
    for (const [against, variant] of [
      ['the host answering', `${fault} vs ok`],
      ['the route that does not capture', fault],
    ] as const) {
      const rps = ratio('4.', variant, 'throughput');
      const p99 = ratio('4.', variant, 'p99 latency');
      check(
        `scenario 4 ${fault}: ≥ 0.95 throughput, p99 ≤ 1.1× against ${against}`,
        `throughput ${fmt(rps)}, p99 ${fmt(p99, 2)}×`,
        rps === undefined || p99 === undefined ? undefined : rps >= 0.95 && p99 <= 1.1,
      );
    }
  }
  if (Object.keys(queueHighWater).length > 0) {
    lines.push(
      `- SDK queue high-water mark (bound 1000): ${Object.entries(queueHighWater)
        .map(([v, n]) => `${v} ${n}`)
        .join(', ')}`,
    );
  }
  return lines.join('\n');
}

function machine(): string {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  let lscpu = '';
  try {
    lscpu = execFileSync('lscpu', { encoding: 'utf8' })
      .split('\n')
      .filter((l) => /^(Model name|CPU\(s\)|Hypervisor vendor|Thread\(s\) per core):/.test(l))
      .map((l) => l.replace(/\s+/g, ' '))
      .join('; ');
  } catch {}
  return `${availableParallelism()} cores (${cpu}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Node ${process.version}, ${process.platform}/${process.arch}${lscpu ? ` — lscpu: ${lscpu}` : ''}`;
}

async function main(): Promise<void> {
  const started = Date.now();
  log(
    `${smoke ? 'smoke' : 'full'} run: ${settings.rounds} round(s) × ${settings.duration} s, ${settings.connections} connections, server on core ${SERVER_CPU}, load on core ${LOAD_CPU}`,
  );
  await buildBench();
  const rows: Row[] = [];
  const failures: string[] = [];
  for (const [name, scenario] of [
    ['cost', inProcess],
    ['pages', pagesAndJson],
    ['stream', streamed],
    ['capture', captureUnderFaults],
  ] as const) {
    if (only && !only.includes(name)) continue;
    try {
      rows.push(...(await scenario()));
    } catch (error) {
      failures.push(`${name}: ${error instanceof Error ? error.message : String(error)}`);
      log(`FAILED ${name}: ${error instanceof Error ? error.stack : String(error)}`);
    }
  }
  const report = [
    `## Benchmark ${new Date().toISOString().slice(0, 10)} (${smoke ? 'smoke' : 'full'} run, ${((Date.now() - started) / 1000).toFixed(0)} s)`,
    '',
    `Machine: ${machine()}.`,
    `Settings: ${settings.rounds} round(s) × ${settings.duration} s per variant (A/B alternated, order rotated each round), ${settings.warmup} s warm-up per variant, ${settings.connections} connections; server pinned to core ${SERVER_CPU}, autocannon to core ${LOAD_CPU}.`,
    '',
    table(rows),
    '',
    '### Targets',
    '',
    targets(rows),
    ...(failures.length > 0
      ? ['', '### Failed scenarios', '', ...failures.map((f) => `- ${f}`)]
      : []),
    '',
  ].join('\n');
  process.stdout.write(report);
  if (out) writeFileSync(out, report);
  if (failures.length > 0) process.exitCode = 1;
}

await main();
