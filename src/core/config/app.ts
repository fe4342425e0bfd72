import { consoleLogger, type Logger } from '../log/index.js';
import { ENV } from './env.js';
import type { Warn } from './parse.js';
import { readDebug, readPort, readProduction, readText } from './read.js';
import type { Env } from './types.js';

/** Settings of the reference app and `npm start` (docs/observability.md), from the rows of env.ts it reads. */
export interface AppConfig {
  /** `PORT`. @default 3000 */
  readonly port: number;
  /** `HOST`, the interface to listen on. @default 127.0.0.1 (`0.0.0.0` in a container) */
  readonly host: string;
  /** `DEMO_AUTH_SECRET`: signs the demo login cookie; a random one per process when unset. */
  readonly demoAuthSecret: string | undefined;
  /** `NODE_ENV` is `production`: demo auth and the inspector are off. */
  readonly production: boolean;
  /**
   * `DEBUG` when it is a boolean word (`1`, `off`…); `undefined` when unset, empty, or
   * a namespace list for the `debug` package. Inspector mode turns the debug route on
   * unless this is `false`.
   */
  readonly debug: boolean | undefined;
}

/**
 * Reads the reference app's settings. A bad `PORT` logs one warning and uses 3000.
 *
 * @param env - the environment. @default process.env
 * @param logger - where the warning goes. @default console
 * @returns the frozen settings.
 * @example
 * const { port, host } = loadAppConfig(); // PORT and HOST, else 3000 and 127.0.0.1
 */
export function loadAppConfig(env: Env = process.env, logger: Logger = consoleLogger): AppConfig {
  const warn: Warn = (message) => logger.warn(message);
  return Object.freeze({
    port: readPort(ENV.PORT, env, warn),
    host: readText(ENV.HOST, {}, env, warn),
    demoAuthSecret: readText(ENV.DEMO_AUTH_SECRET, {}, env, warn),
    production: readProduction(ENV.NODE_ENV, env),
    debug: readDebug(ENV.DEBUG, env).word,
  });
}
