// The targets (docs/performance.md), as data: bench/lib/targets.ts evaluates them.
import { GATE_METRIC } from './lib/gate-cost.js';
import { ALLOCATED_BEYOND_SNIPPET, IN_PROCESS, SCENARIO } from './lib/scenario-ids.js';
import type { Target } from './lib/targets.js';

const pageTargets = (scenario: string, encoding: string): Target[] => [
  {
    label: `30 KB page, ${encoding}: bytes allocated per injected page ≤ the bare page's + the snippet's bytes + 2 KB (median)`,
    scenario,
    variant: 'snippet',
    metric: ALLOCATED_BEYOND_SNIPPET,
    statistic: 'median',
    comparator: '<=',
    threshold: 2048,
  },
  {
    label: `30 KB page, ${encoding}: in-process CPU per response ≤ 1.03× the bare page`,
    scenario,
    variant: 'snippet',
    metric: IN_PROCESS,
    statistic: 'ratio-of-minima',
    comparator: '<=',
    threshold: 1.03,
  },
  {
    label: `30 KB page, ${encoding}: throughput ≥ 0.97 of the bare page`,
    scenario,
    variant: 'snippet',
    metric: 'throughput',
    statistic: 'paired-ratio',
    comparator: '>=',
    threshold: 0.97,
  },
  {
    label: `30 KB page, ${encoding}: throughput ahead of connect-livereload`,
    scenario,
    variant: 'snippet',
    metric: 'throughput',
    statistic: 'paired-ratio',
    versus: 'livereload',
    comparator: '>',
    threshold: 1,
  },
];

const bundleTargets = (scenario: string, encoding: string): Target[] => [
  {
    label: `posthog-js bundle, ${encoding}: CPU per response within 10 % of express.static with a precompressed copy`,
    scenario,
    variant: 'package',
    metric: IN_PROCESS,
    statistic: 'ratio-of-minima',
    comparator: '<=',
    threshold: 1.1,
  },
  {
    label: `posthog-js bundle, ${encoding}: throughput within 10 % of express.static`,
    scenario,
    variant: 'package',
    metric: 'throughput',
    statistic: 'paired-ratio',
    comparator: '>=',
    threshold: 0.9,
  },
];

const faultTargets = (fault: 'hang' | 'refuse'): Target[] =>
  (
    [
      ['the host answering', `${fault} vs ok`],
      ['the route that does not capture', fault],
    ] as const
  ).flatMap(([against, variant]) => [
    {
      label: `captureException, host ${fault}: throughput ≥ 0.95 of ${against}`,
      scenario: SCENARIO.capture,
      variant,
      metric: 'throughput',
      statistic: 'paired-ratio',
      comparator: '>=',
      threshold: 0.95,
    },
    {
      label: `captureException, host ${fault}: p99 ≤ 1.1× ${against}`,
      scenario: SCENARIO.capture,
      variant,
      metric: 'p99 latency',
      statistic: 'paired-ratio',
      comparator: '<=',
      threshold: 1.1,
    },
  ]);

/** Every target, in report order. */
export const TARGETS: readonly Target[] = [
  {
    label:
      'captureException: the redaction gate adds ≤ 5 % CPU per $exception (median paired ratio)',
    scenario: SCENARIO.capture,
    variant: 'gate on',
    metric: GATE_METRIC,
    statistic: 'paired-ratio',
    comparator: '<=',
    threshold: 1.05,
  },
  {
    label: 'bytes added per page, anonymous visitor ≤ 300 (boot tag)',
    scenario: SCENARIO.bytes,
    variant: 'boot, anonymous',
    metric: 'bytes added, identity',
    statistic: 'max',
    comparator: '<=',
    threshold: 300,
  },
  {
    label: 'bytes added per page, logged-in user ≤ 500 (boot tag)',
    scenario: SCENARIO.bytes,
    variant: 'boot, logged-in',
    metric: 'bytes added, identity',
    statistic: 'max',
    comparator: '<=',
    threshold: 500,
  },
  ...pageTargets(SCENARIO.pageBr, 'br'),
  ...pageTargets(SCENARIO.pageIdentity, 'identity'),
  ...pageTargets(SCENARIO.pageGzip, 'gzip'),
  ...(
    [
      [SCENARIO.json, 'Accept: application/json'],
      [SCENARIO.jsonAny, 'Accept: */*'],
    ] as const
  ).map(
    ([scenario, accept]): Target => ({
      label: `1 KB JSON, ${accept}: throughput ≥ 0.99 of the route without the middleware`,
      scenario,
      variant: 'snippet',
      metric: 'throughput',
      statistic: 'paired-ratio',
      comparator: '>=',
      threshold: 0.99,
    }),
  ),
  {
    label: 'realistic page: throughput ≥ 0.99 of the bare page',
    scenario: SCENARIO.realistic,
    variant: 'snippet',
    metric: 'throughput',
    statistic: 'paired-ratio',
    comparator: '>=',
    threshold: 0.99,
  },
  ...bundleTargets(SCENARIO.bundleBr, 'br'),
  ...bundleTargets(SCENARIO.bundleGzip, 'gzip'),
  ...bundleTargets(SCENARIO.bundleIdentity, 'identity'),
  {
    label: 'first visit: boot DOMContentLoaded within 1 ms + one same-origin round trip of inline',
    scenario: SCENARIO.firstVisit,
    variant: 'boot',
    metric: 'DOMContentLoaded over inline, less one round trip',
    statistic: 'median',
    comparator: '<=',
    threshold: 1,
  },
  {
    label: 'repeat visit: no request for the boot script',
    scenario: SCENARIO.repeatVisit,
    variant: 'boot',
    metric: 'requests for the boot script',
    statistic: 'max',
    comparator: '<=',
    threshold: 0,
  },
  {
    label: 'streamed page: peak RSS growth < 16 MiB (worst round)',
    scenario: SCENARIO.stream,
    variant: 'snippet',
    metric: 'peak RSS growth',
    statistic: 'max',
    comparator: '<',
    threshold: 16,
  },
  {
    label: 'streamed page: time to first byte within 10 ms of the bare page (medians)',
    scenario: SCENARIO.stream,
    variant: 'snippet',
    metric: 'time to first byte',
    statistic: 'median-difference',
    absolute: true,
    comparator: '<=',
    threshold: 10,
  },
  ...faultTargets('hang'),
  ...faultTargets('refuse'),
];
