import type { Logger } from '../../src/core/log/index.js';

/** A logger that records every line, by level. */
export interface RecordingLogger extends Logger {
  readonly lines: { level: keyof Logger; message: string }[];
  warnings(): string[];
}

/** Builds a {@link RecordingLogger}. */
export function recordingLogger(): RecordingLogger {
  const lines: { level: keyof Logger; message: string }[] = [];
  const record = (level: keyof Logger) => (message: string) => {
    lines.push({ level, message });
  };
  return {
    lines,
    debug: record('debug'),
    info: record('info'),
    warn: record('warn'),
    error: record('error'),
    warnings: () => lines.filter((l) => l.level === 'warn').map((l) => l.message),
  };
}

/** A logger that drops everything. */
export const silentLogger: Logger = Object.freeze({
  debug() {},
  info() {},
  warn() {},
  error() {},
});
