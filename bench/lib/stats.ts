/** Summary statistics of a few rounds. */
export interface Summary {
  readonly min: number;
  readonly median: number;
  readonly max: number;
}

/** min / median / max of `values` (at least one). */
export function summarize(values: readonly number[]): Summary {
  if (values.length === 0) throw new Error('summarize: no values');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median =
    sorted.length % 2 === 1
      ? sorted[middle]!
      : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
  return { min: sorted[0]!, median, max: sorted[sorted.length - 1]! };
}

/** The `qs`-quantiles (each 0–1) of `values` (at least one), each the nearest rank below. */
export function quantiles(values: readonly number[], qs: readonly number[]): number[] {
  if (values.length === 0) throw new Error('quantiles: no values');
  const sorted = [...values].sort((a, b) => a - b);
  return qs.map((q) => sorted[Math.floor(q * (sorted.length - 1))]!);
}

/** Per-round ratios `values[i] / baseline[i]` (the rounds are A/B alternated, so paired). */
export function pairedRatios(values: readonly number[], baseline: readonly number[]): number[] {
  return values.map((value, i) => value / (baseline[i] ?? Number.NaN));
}

/** Rotates `items` by `round`, so that no variant always runs first (or last) in a round. */
export function rotate<T>(items: readonly T[], round: number): T[] {
  const shift = round % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
}
