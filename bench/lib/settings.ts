import type { Settings } from './types.js';

/** The value after `name` on the command line. */
export function option(argv: readonly string[], name: string): string | undefined {
  const index = argv.indexOf(name);
  return index >= 0 ? argv[index + 1] : undefined;
}

/**
 * The run's settings from `argv`: `--smoke` (one short round), `--rounds N`, `--duration S`,
 * `--warmup S`.
 */
export function settingsFrom(argv: readonly string[]): Settings {
  const smoke = argv.includes('--smoke');
  return {
    smoke,
    rounds: Number(option(argv, '--rounds') ?? (smoke ? 1 : 10)),
    duration: Number(option(argv, '--duration') ?? (smoke ? 0.25 : 3)),
    warmup: Number(option(argv, '--warmup') ?? (smoke ? 0 : 2)),
    connections: smoke ? 8 : 16,
    streamMiB: smoke ? 4 : 64,
  };
}

const started = Date.now();

/** Writes one progress line to stderr, with the seconds since the bench started. */
export function log(message: string): void {
  process.stderr.write(`[bench ${((Date.now() - started) / 1000).toFixed(1)} s] ${message}\n`);
}
