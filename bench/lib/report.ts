// The Markdown report: the machine, the results table, the targets, the notes.
import { execFileSync } from 'node:child_process';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { pairedRatios, type Summary, summarize } from './stats.js';
import type { Row } from './types.js';

function format(value: number, unit: string): string {
  if (unit === 'req/s') return Math.round(value).toLocaleString('en-US');
  if (unit === 'MiB') return value.toFixed(1);
  if (unit === 'B' || unit === 'count') return value.toFixed(0);
  return Math.abs(value) < 10 ? value.toFixed(2) : value.toFixed(0);
}

function ratioOf(row: Row): Summary | undefined {
  return row.baseline ? summarize(pairedRatios(row.values, row.baseline)) : undefined;
}

/** The results table: min / median / max, the paired ratio to the baseline, the minima's ratio. */
export function table(rows: readonly Row[]): string {
  const lines = [
    '| scenario | variant | metric | min | median | max | ratio to baseline: median (min–max) | ratio of minima |',
    '|---|---|---|---:|---:|---:|---:|---:|',
  ];
  for (const row of rows) {
    if (row.values.length === 0) continue;
    const s = summarize(row.values);
    const r = ratioOf(row);
    const ratio = r ? `${r.median.toFixed(3)} (${r.min.toFixed(3)}–${r.max.toFixed(3)})` : '—';
    const minima = row.baseline ? (s.min / summarize(row.baseline).min).toFixed(3) : '—';
    lines.push(
      `| ${row.scenario} | ${row.variant} | ${row.metric} (${row.unit}) | ${format(s.min, row.unit)} | ${format(s.median, row.unit)} | ${format(s.max, row.unit)} | ${ratio} | ${minima} |`,
    );
  }
  return lines.join('\n');
}

/** Cores, CPU model, memory, Node, and lscpu's lines that matter; the load average now. */
export function machine(): string {
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

/** The 1-, 5- and 15-minute load averages, for the report's "machine load" line. */
export function loadAverage(): string {
  return loadavg()
    .map((n) => n.toFixed(2))
    .join(' / ');
}
