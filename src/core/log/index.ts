/**
 * The small logger interface the package writes to. `console` fits it, and so
 * does a `pino` logger (its methods take a message string first).
 */
export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  /**
   * Whether a level is written (pino has it). The package skips building debug lines a
   * logger would drop; a logger without it gets every line and filters them itself.
   */
  isLevelEnabled?(level: 'debug' | 'info' | 'warn' | 'error'): boolean;
}

const PREFIX = '[express-posthog]';

/**
 * A `console` logger, every line prefixed `[express-posthog]`. Debug lines are written only
 * when `debug` is true: a line per response would flood the console and cost throughput.
 */
export function createConsoleLogger({ debug = false }: { debug?: boolean } = {}): Logger {
  return Object.freeze({
    debug(message: string) {
      if (debug) console.debug(`${PREFIX} ${message}`);
    },
    info(message: string) {
      console.info(`${PREFIX} ${message}`);
    },
    warn(message: string) {
      console.warn(`${PREFIX} ${message}`);
    },
    error(message: string) {
      console.error(`${PREFIX} ${message}`);
    },
    isLevelEnabled(level: 'debug' | 'info' | 'warn' | 'error') {
      return level !== 'debug' || debug;
    },
  });
}

/** The default logger: `console`, prefixed `[express-posthog]`, without debug lines. */
export const consoleLogger: Logger = createConsoleLogger();
