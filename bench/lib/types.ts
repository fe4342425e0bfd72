/** One row of the results table: one metric of one variant, one value per round. */
export interface Row {
  /** One of the ids in {@link ../lib/scenario-ids.ts}. */
  readonly scenario: string;
  readonly variant: string;
  readonly metric: string;
  readonly unit: string;
  readonly values: readonly number[];
  /** The baseline's values for the same rounds; absent on the baseline row itself. */
  readonly baseline?: readonly number[];
}

/** How long and how hard the bench runs (from the command line). */
export interface Settings {
  readonly smoke: boolean;
  readonly rounds: number;
  /** Seconds per variant and round (load scenarios). */
  readonly duration: number;
  /** Seconds of warm-up per variant (load scenarios). */
  readonly warmup: number;
  readonly connections: number;
  readonly streamMiB: number;
}

/** What a scenario hands the driver: its rows, and lines for the report (facts, skips). */
export interface ScenarioOutput {
  readonly rows: Row[];
  readonly notes: string[];
}

/** One scenario module (bench/scenarios/*.ts). */
export interface Scenario {
  /** The name `--only` takes. */
  readonly name: string;
  /** One line for the progress log. */
  readonly title: string;
  run(settings: Settings): Promise<ScenarioOutput>;
}
