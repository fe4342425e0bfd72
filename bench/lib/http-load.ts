// Load scenarios' common steps: start a pinned server, load it with autocannon, check what it
// sends, alternate the variants round by round, and turn the figures into rows.
import { built, type JsonChild, LOAD_CPU, runLoad, SERVER_CPU, spawnPinned } from './processes.js';
import { rotate } from './stats.js';
import type { Row, Settings } from './types.js';

/** What bench/load.ts reports for one autocannon run. */
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

/** What bench/servers/app.ts reports on each stdin line. */
export interface ServerStats {
  rssBaseline: number;
  rssPeak: number;
  rssGrowth: number;
  queue: number;
  maxQueue: number;
  cpu: number;
}

/** A server to load: the URL, and the server's process for its CPU time. */
export interface Target {
  readonly url: string;
  readonly app: JsonChild;
}

/** Per round: requests/s, p99 latency (ms), server CPU time per request (µs). */
export interface Measured {
  rps: number[];
  p99: number[];
  cpu: number[];
}

/** A running bench server (bench/servers/app.ts) pinned to the server core. */
export interface BenchServer {
  readonly app: JsonChild;
  /** Its origin, `http://127.0.0.1:<port>`. */
  readonly url: string;
}

/** Starts `app.js <args>` pinned to the server core; resolves once it listens. */
export async function startServer(args: readonly string[], expose = false): Promise<BenchServer> {
  const app = spawnPinned(SERVER_CPU, [...(expose ? ['--expose-gc'] : []), built('app'), ...args]);
  const { port } = await app.next<{ port: number }>(30_000);
  return { app, url: `http://127.0.0.1:${port}` };
}

/** Starts bench/servers/capture-host.ts (`ok` or `hang`) on the load core. */
export async function startCaptureHost(mode: 'ok' | 'hang'): Promise<BenchServer> {
  const app = spawnPinned(LOAD_CPU, [built('capture-host'), mode]);
  const { port } = await app.next<{ port: number }>();
  return { app, url: `http://127.0.0.1:${port}` };
}

/** Runs autocannon against `url` for `duration` s; throws on any error or non-2xx answer. */
export async function load(
  settings: Settings,
  url: string,
  headers: Record<string, string>,
  duration: number,
): Promise<LoadResult> {
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

/** Asserts what a variant sends (e.g. whether the page carries the snippet); returns the body. */
export async function expectBody(
  url: string,
  headers: Record<string, string>,
  check: (body: string) => boolean,
  what: string,
): Promise<string> {
  const response = await fetch(url, { headers });
  const body = await response.text();
  if (!response.ok || !check(body)) {
    throw new Error(`${url} (${response.status}): expected ${what}; got ${body.slice(0, 300)}…`);
  }
  return body;
}

/**
 * Runs `targets` A/B alternated: every round loads each variant once, in a rotated order.
 * Returns rps, p99 and server CPU per request per variant and round.
 */
export async function alternate(
  settings: Settings,
  targets: Readonly<Record<string, Target>>,
  headers: Record<string, string>,
): Promise<Record<string, Measured>> {
  const variants = Object.keys(targets);
  const results: Record<string, Measured> = Object.fromEntries(
    variants.map((v) => [v, { rps: [], p99: [], cpu: [] }]),
  );
  if (settings.warmup > 0) {
    for (const variant of variants) {
      await load(settings, targets[variant]!.url, headers, settings.warmup);
    }
  }
  for (let round = 0; round < settings.rounds; round += 1) {
    for (const variant of rotate(variants, round)) {
      const { url, app } = targets[variant]!;
      app.send('stats');
      const before = await app.next<ServerStats>();
      const result = await load(settings, url, headers, settings.duration);
      app.send('stats');
      const after = await app.next<ServerStats>();
      results[variant]!.rps.push(result.rps);
      results[variant]!.p99.push(result.p99);
      results[variant]!.cpu.push((after.cpu - before.cpu) / result.requests);
    }
  }
  return results;
}

/** Rows for throughput, p99 latency and server CPU per request, each against `baseline`. */
export function throughputRows(
  scenario: string,
  results: Readonly<Record<string, Measured>>,
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

/** Rows of one metric per variant, each against the `baseline` variant's values. */
export function metricRows(
  scenario: string,
  metric: string,
  unit: string,
  values: Readonly<Record<string, readonly number[]>>,
  baseline: string | undefined,
): Row[] {
  const base = baseline === undefined ? undefined : values[baseline];
  return Object.entries(values).map(([variant, v]) => ({
    scenario,
    variant,
    metric,
    unit,
    values: v,
    ...(base && variant !== baseline ? { baseline: base } : {}),
  }));
}

/** Stops every server, whatever happens to the others. */
export async function stopAll(servers: readonly (BenchServer | undefined)[]): Promise<void> {
  await Promise.allSettled(servers.map((s) => s?.app.stop()));
}
