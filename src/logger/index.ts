/**
 * The small logger interface the package writes to. `console` fits it, and so
 * does a `pino` logger (its methods take a message string first).
 */
export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

const PREFIX = '[express-posthog]';

/** The default logger: `console`, with every line prefixed `[express-posthog]`. */
export const consoleLogger: Logger = Object.freeze({
  debug(message: string) {
    console.debug(`${PREFIX} ${message}`);
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
});

/** A logger that drops everything. */
export const silentLogger: Logger = Object.freeze({
  debug() {},
  info() {},
  warn() {},
  error() {},
});
