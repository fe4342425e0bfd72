// Targets as data (bench/targets.ts), evaluated the same way whatever they measure.
import { pairedRatios, summarize } from './stats.js';
import type { Row } from './types.js';

/**
 * The figure a target reads from its row:
 * - `median`, `min`, `max` of the row's values;
 * - `paired-ratio`: the median of the per-round ratios to the other variant (A/B alternated,
 *   so round i of one is paired with round i of the other);
 * - `ratio-of-minima`: the row's least-disturbed round over the other's (in-process CPU);
 * - `median-difference`: the row's median minus the other's.
 */
export type Statistic =
  | 'median'
  | 'min'
  | 'max'
  | 'paired-ratio'
  | 'ratio-of-minima'
  | 'median-difference';

export type Comparator = '<=' | '>=' | '<' | '>';

/** One target of the issue: a row, a figure of it, and the bound. */
export interface Target {
  /** What the report says the target is. */
  readonly label: string;
  readonly scenario: string;
  readonly variant: string;
  readonly metric: string;
  readonly statistic: Statistic;
  readonly comparator: Comparator;
  readonly threshold: number;
  /** The variant the ratios and differences compare with. @default the row's baseline */
  readonly versus?: string;
  /** Compare the figure's absolute value (a difference either way). */
  readonly absolute?: boolean;
}

/** A target's outcome: met, missed, or not measured in this run (and why). */
export interface Outcome {
  readonly target: Target;
  readonly status: 'met' | 'MISSED' | 'n/a';
  readonly value?: number;
  readonly why?: string;
}

function rowOf(rows: readonly Row[], scenario: string, variant: string, metric: string) {
  return rows.find((r) => r.scenario === scenario && r.variant === variant && r.metric === metric);
}

/** The values a ratio or difference is taken against. */
function otherValues(
  rows: readonly Row[],
  target: Target,
  row: Row,
): readonly number[] | undefined {
  if (target.versus === undefined) return row.baseline;
  return rowOf(rows, target.scenario, target.versus, target.metric)?.values;
}

function figure(rows: readonly Row[], target: Target, row: Row): number | undefined {
  const values = row.values;
  if (values.length === 0) return undefined;
  const s = summarize(values);
  switch (target.statistic) {
    case 'median':
      return s.median;
    case 'min':
      return s.min;
    case 'max':
      return s.max;
    default: {
      const other = otherValues(rows, target, row);
      if (!other || other.length === 0) return undefined;
      if (target.statistic === 'paired-ratio') return summarize(pairedRatios(values, other)).median;
      if (target.statistic === 'ratio-of-minima') return s.min / summarize(other).min;
      return s.median - summarize(other).median;
    }
  }
}

function holds(value: number, comparator: Comparator, threshold: number): boolean {
  switch (comparator) {
    case '<=':
      return value <= threshold;
    case '>=':
      return value >= threshold;
    case '<':
      return value < threshold;
    case '>':
      return value > threshold;
  }
}

/** Evaluates every target against the rows of this run. */
export function evaluate(targets: readonly Target[], rows: readonly Row[]): Outcome[] {
  return targets.map((target) => {
    const row = rowOf(rows, target.scenario, target.variant, target.metric);
    if (!row) return { target, status: 'n/a', why: 'not measured in this run' };
    const raw = figure(rows, target, row);
    if (raw === undefined || Number.isNaN(raw)) {
      return { target, status: 'n/a', why: `no ${target.versus ?? 'baseline'} to compare with` };
    }
    const value = target.absolute ? Math.abs(raw) : raw;
    return {
      target,
      status: holds(value, target.comparator, target.threshold) ? 'met' : 'MISSED',
      value,
    };
  });
}

/** One Markdown list item per outcome. */
export function describeOutcomes(outcomes: readonly Outcome[]): string {
  return outcomes
    .map(({ target: t, status, value, why }) => {
      const against = t.versus ? ` vs ${t.versus}` : '';
      const what = `${t.scenario} · ${t.variant} · ${t.metric} · ${t.statistic}${against}${t.absolute ? ' (absolute)' : ''}`;
      const measured =
        value === undefined ? (why ?? 'n/a') : `${value.toFixed(3)} ${t.comparator} ${t.threshold}`;
      return `- ${status}: ${t.label} — ${what}: ${measured}`;
    })
    .join('\n');
}
