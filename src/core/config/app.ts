import { consoleLogger, type Logger } from '../log/index.js';
import { booleanWord, parsePositiveInt, parseText, type Warn } from './parse.js';
import type { Env } from './types.js';

/** Settings of the reference app and `npm start` (docs/observability.md), beside the PostHog config. */
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
 */
export function loadAppConfig(env: Env = process.env, logger: Logger = consoleLogger): AppConfig {
  const warn: Warn = (message) => logger.warn(message);
  let port = parsePositiveInt('PORT', env.PORT, 3000, warn);
  if (port > 65_535) {
    warn(`PORT=${port} is above 65535; using the default 3000.`);
    port = 3000;
  }
  return Object.freeze({
    port,
    host: parseText(env.HOST) ?? '127.0.0.1',
    demoAuthSecret: parseText(env.DEMO_AUTH_SECRET),
    production: (env.NODE_ENV ?? '').trim().toLowerCase() === 'production',
    debug: parseText(env.DEBUG) === undefined ? undefined : booleanWord(env.DEBUG ?? ''),
  });
}
