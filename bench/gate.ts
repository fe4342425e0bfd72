// The redaction gate's cost on a server `$exception`, measured in process, started pinned by
// bench/lib/gate-cost.ts:
//   node --expose-gc <bundle of this file> '<json: GateJob>'
// With `variants: ["gate on"]` it runs that variant alone, for a CPU profile of the gate inside
// the pipeline (docs/performance.md, "The gate inside the pipeline"):
//   taskset -c 1 node --expose-gc --cpu-prof --cpu-prof-interval 100 bench/.build/gate.js \
//     '{"rounds":100,"batch":300,"variants":["gate on"]}'
// The real posthog-node builds each `$exception` (stack frames, source context) and runs its
// `before_send` steps, once with the gate and twice without (the second, `gate off, again`, is
// the A/A control: what the method reads as a difference where there is none), alternated; the
// events are dropped after it, so no network is measured. Then the gate alone, on fresh events
// of the same SDK: the CPU of `redactEvent` itself, without the SDK's work around it. Bundled like dist/ (bench/lib/bundle.ts), so the gate
// measured is the code users run (under `tsx`, every named closure pays a `__name()` call the
// published build does not). It prints one JSON line: GateResult.
import { PostHog } from 'posthog-node';
import { redactEvent } from '../src/core/redact/redact.js';
import { collectAll } from './lib/gc.js';
import { rotate } from './lib/stats.js';

/** What bench/lib/gate-cost.ts asks for. */
export interface GateJob {
  readonly rounds: number;
  /** `$exception`s per batch. */
  readonly batch: number;
  /** The variants to run, all when absent; with any fewer, the gate alone and the 1 MB event are skipped. */
  readonly variants?: readonly GateVariant[];
}

/** What this script prints. */
export interface GateResult {
  /** CPU microseconds per `$exception`, one figure per round, by variant (none for a variant not run). */
  readonly values: Record<GateVariant, number[]>;
  /** CPU microseconds of `redactEvent` alone per fresh `$exception`, one figure per round. */
  readonly alone: number[];
  /** Milliseconds to redact a 1 MB event of 1,000 distinct 1 KB strings. */
  readonly bigEventMs: number;
}

/** A variant of the pipeline: the gate in `before_send`, or a step that returns the event as it is. */
export type GateVariant = 'gate off' | 'gate off, again' | 'gate on';

type Step = (event: { properties?: Record<string, unknown> }) => unknown;

const VARIANTS: Record<GateVariant, Step> = {
  'gate off': (event) => event,
  'gate off, again': (event) => event,
  'gate on': (event) => redactEvent(event),
};

/** Every `$exception` a distinct message and URL, as a real app's are. */
let serial = 0;

/** `batch` exceptions through `sdk`, resolved when its `before_send` steps have seen them all. */
async function captureBatch(sdk: PostHog, counter: { n: number }, batch: number): Promise<void> {
  counter.n = 0;
  for (let i = 0; i < batch; i += 1, serial += 1) {
    const error = new Error(
      `upstream 502 for GET https://api.example.com/v1/orders?page=${serial}`,
    );
    sdk.captureException(error, 'user-1', {
      path: '/fail',
      method: 'GET',
      url: `/fail?page=${serial}`,
    });
  }
  while (counter.n < batch) await new Promise((resolve) => setImmediate(resolve));
}

/** CPU microseconds per `$exception` for `batch` exceptions through `sdk`. */
async function perException(sdk: PostHog, counter: { n: number }, batch: number): Promise<number> {
  collectAll();
  const started = process.cpuUsage();
  await captureBatch(sdk, counter, batch);
  const used = process.cpuUsage(started);
  return (used.user + used.system) / batch;
}

/** CPU microseconds of `redactEvent` per `$exception`, on a batch of fresh events of the SDK. */
async function gateAlone(batch: number): Promise<number[]> {
  const events: unknown[] = [];
  const counter = { n: 0 };
  const sdk = new PostHog('phc_bench', {
    host: 'http://127.0.0.1:9',
    flushAt: 1_000_000,
    flushInterval: 0,
    before_send: (event) => {
      events.push(event);
      counter.n += 1;
      return null;
    },
  });
  const figures: number[] = [];
  for (let round = 0; round < 40; round += 1) {
    events.length = 0;
    await captureBatch(sdk, counter, batch);
    collectAll();
    const started = process.cpuUsage();
    for (const event of events) redactEvent(event);
    const used = process.cpuUsage(started);
    if (round >= 5) figures.push((used.user + used.system) / batch); // the first are warm-up
  }
  await sdk.shutdown(100);
  return figures;
}

async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2] ?? '{}') as GateJob;
  const counter = { n: 0 };
  const all = Object.keys(VARIANTS) as GateVariant[];
  const names = job.variants ?? all;
  const sdks = Object.fromEntries(
    names.map((name) => [
      name,
      new PostHog('phc_bench', {
        host: 'http://127.0.0.1:9',
        flushAt: 1_000_000,
        flushInterval: 0,
        before_send: [
          VARIANTS[name] as never,
          () => {
            counter.n += 1;
            return null;
          },
        ],
      }),
    ]),
  ) as Record<GateVariant, PostHog>;
  const values: Record<GateVariant, number[]> = {
    'gate off': [],
    'gate off, again': [],
    'gate on': [],
  };
  for (const name of names) await perException(sdks[name], counter, job.batch); // warm-up
  for (let round = 0; round < job.rounds; round += 1) {
    for (const name of rotate(names, round)) {
      values[name].push(await perException(sdks[name], counter, job.batch));
    }
  }
  await Promise.all(names.map((name) => sdks[name].shutdown(100)));
  const every = names.length === all.length;
  const result: GateResult = {
    values,
    alone: every ? await gateAlone(job.batch) : [],
    bigEventMs: every ? bigEventMs() : Number.NaN,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

/** Milliseconds to redact a 1 MB event of distinct strings of over 1 KB each (none remembered). */
function bigEventMs(): number {
  const line = (i: number) => `${i} ${'lorem ipsum dolor sit amet '.repeat(40)}password=hunter2`;
  const big = { properties: { lines: Array.from({ length: 1000 }, (_, i) => line(i)) } };
  const started = performance.now();
  redactEvent(big);
  return performance.now() - started;
}

await main();
