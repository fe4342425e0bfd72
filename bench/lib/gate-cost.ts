// The redaction gate's cost on a server `$exception` (docs/performance.md): the real posthog-node
// builds each `$exception` (stack frames, source context) and runs its `before_send` steps, once
// with the gate and once without, alternated; the events are dropped after it, so no network
// is measured. CPU per `$exception` in process, and the time to redact a 1 MB event.
import { PostHog } from 'posthog-node';
import { redactEvent } from '../../src/core/redact/redact.js';
import { SCENARIO } from './scenario-ids.js';
import { rotate } from './stats.js';
import type { Row, Settings } from './types.js';

/** The report's metric for the gate's A/B. */
export const GATE_METRIC = 'CPU per $exception, in process';

type Step = (event: { properties?: Record<string, unknown> }) => unknown;

const VARIANTS: Record<string, Step> = {
  'gate off': (event) => event,
  'gate on': (event) => redactEvent(event),
};

/** CPU microseconds per `$exception` for `batch` exceptions through `sdk`. */
async function perException(sdk: PostHog, counter: { n: number }, batch: number): Promise<number> {
  counter.n = 0;
  const started = process.cpuUsage();
  for (let i = 0; i < batch; i += 1) {
    const error = new Error(`upstream 502 for GET https://api.example.com/v1/orders?page=${i}`);
    sdk.captureException(error, 'user-1', { path: '/fail', method: 'GET', url: `/fail?page=${i}` });
  }
  while (counter.n < batch) await new Promise((resolve) => setImmediate(resolve));
  const used = process.cpuUsage(started);
  return (used.user + used.system) / batch;
}

/** The gate on/off rows of the capture scenario, and a note on a 1 MB event. */
export async function gateCost(settings: Settings): Promise<{ rows: Row[]; notes: string[] }> {
  const rounds = settings.smoke ? 2 : 20;
  const batch = settings.smoke ? 50 : 300;
  const counter = { n: 0 };
  const sdks = Object.fromEntries(
    Object.entries(VARIANTS).map(([name, step]) => [
      name,
      new PostHog('phc_bench', {
        host: 'http://127.0.0.1:9',
        flushAt: 1_000_000,
        flushInterval: 0,
        before_send: [
          step as never,
          () => {
            counter.n += 1;
            return null;
          },
        ],
      }),
    ]),
  );
  const values: Record<string, number[]> = { 'gate off': [], 'gate on': [] };
  for (const sdk of Object.values(sdks)) await perException(sdk, counter, batch); // warm-up
  for (let round = 0; round < rounds; round += 1) {
    for (const name of rotate(Object.keys(sdks), round)) {
      values[name]!.push(await perException(sdks[name]!, counter, batch));
    }
  }
  await Promise.all(Object.values(sdks).map((sdk) => sdk.shutdown(100)));
  // Distinct strings of over 1 KB each: nothing of it is remembered from an earlier event.
  const line = (i: number) => `${i} ${'lorem ipsum dolor sit amet '.repeat(40)}password=hunter2`;
  const big = { properties: { lines: Array.from({ length: 1000 }, (_, i) => line(i)) } };
  const started = performance.now();
  redactEvent(big);
  const ms = performance.now() - started;
  const scenario = SCENARIO.capture;
  return {
    rows: [
      {
        scenario,
        variant: 'gate off',
        metric: GATE_METRIC,
        unit: 'µs',
        values: values['gate off']!,
      },
      {
        scenario,
        variant: 'gate on',
        metric: GATE_METRIC,
        unit: 'µs',
        values: values['gate on']!,
        baseline: values['gate off']!,
      },
    ],
    notes: [
      `redaction gate: a 1 MB event (1,000 distinct strings of 1 KB) redacted in ${ms.toFixed(1)} ms`,
    ],
  };
}
