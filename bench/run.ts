// The benchmark driver (method and results in docs/performance.md).
//   npm run bench          full run: every scenario, 10 rounds × 3 s per variant, A/B alternated
//   npm run bench:smoke    one short round of every scenario: that it runs, not how fast
// Options: --rounds N, --duration S, --warmup S (seconds), --only <names> (comma-separated:
// cost, pages, stream, capture, realistic, bundle, browser, bytes), --out FILE (also write the
// Markdown report there). One module per scenario in bench/scenarios/; the targets are data in
// bench/targets.ts. Servers run pinned to core 1; the load generator, Chromium and helpers to
// core 0. Exits non-zero when a scenario fails to run (a server error, a non-2xx answer, a
// page that was or was not injected against expectation). Missed targets are reported, not
// fatal: on a shared CI runner they would only measure the neighbours.
import { writeFileSync } from 'node:fs';
import { buildBench, LOAD_CPU, SERVER_CPU, stopLoadGenerator } from './lib/processes.js';
import { loadAverage, machine, table } from './lib/report.js';
import { log, option, settingsFrom } from './lib/settings.js';
import { describeOutcomes, evaluate } from './lib/targets.js';
import type { Row, Scenario } from './lib/types.js';
import { browser } from './scenarios/browser.js';
import { bundle } from './scenarios/bundle.js';
import { bytes } from './scenarios/bytes.js';
import { capture } from './scenarios/capture.js';
import { cost } from './scenarios/cost.js';
import { pages } from './scenarios/pages.js';
import { realistic } from './scenarios/realistic.js';
import { stream } from './scenarios/stream.js';
import { TARGETS } from './targets.js';

/** Every scenario, in the order they run. */
const SCENARIOS: readonly Scenario[] = [
  bytes,
  cost,
  pages,
  realistic,
  bundle,
  browser,
  stream,
  capture,
];

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const settings = settingsFrom(argv);
  const only = option(argv, '--only')?.split(',');
  const unknown = only?.filter((name) => !SCENARIOS.some((s) => s.name === name)) ?? [];
  if (unknown.length > 0) {
    throw new Error(
      `--only ${unknown.join(',')}: no such scenario; the scenarios are ${SCENARIOS.map((s) => s.name).join(', ')}`,
    );
  }
  const out = option(argv, '--out');
  const started = Date.now();
  const loadBefore = loadAverage();
  log(
    `${settings.smoke ? 'smoke' : 'full'} run: ${settings.rounds} round(s) × ${settings.duration} s, ${settings.connections} connections, server on core ${SERVER_CPU}, load on core ${LOAD_CPU}; load average ${loadBefore}`,
  );
  await buildBench();
  log(`built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const rows: Row[] = [];
  const notes: string[] = [];
  const failures: string[] = [];
  for (const scenario of SCENARIOS) {
    if (only && !only.includes(scenario.name)) continue;
    log(`${scenario.name}: ${scenario.title}`);
    const at = Date.now();
    try {
      const output = await scenario.run(settings);
      rows.push(...output.rows);
      notes.push(...output.notes);
      log(`${scenario.name}: done in ${((Date.now() - at) / 1000).toFixed(1)} s`);
    } catch (error) {
      failures.push(`${scenario.name}: ${error instanceof Error ? error.message : String(error)}`);
      log(`FAILED ${scenario.name}: ${error instanceof Error ? error.stack : String(error)}`);
    }
  }
  await stopLoadGenerator();
  const report = [
    `## Benchmark ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC (${settings.smoke ? 'smoke' : 'full'} run, ${((Date.now() - started) / 1000).toFixed(0)} s)`,
    '',
    `Machine: ${machine()}. Load average (1/5/15 min) at the start ${loadBefore}, at the end ${loadAverage()}.`,
    `Settings: ${settings.rounds} round(s) × ${settings.duration} s per variant (A/B alternated, order rotated each round), ${settings.warmup} s warm-up per variant, ${settings.connections} connections; servers pinned to core ${SERVER_CPU}, autocannon and Chromium to core ${LOAD_CPU}.`,
    '',
    table(rows),
    '',
    '### Targets',
    '',
    describeOutcomes(evaluate(TARGETS, rows)),
    ...(notes.length > 0 ? ['', '### Notes', '', ...notes.map((n) => `- ${n}`)] : []),
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
