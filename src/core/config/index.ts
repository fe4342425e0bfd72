import { consoleLogger, createConsoleLogger } from '../log/index.js';
import { deriveAssetsHost, deriveUiHost } from './hosts.js';
import { optionKeys, refuseUnknownKeys } from './option-rules.js';
import {
  booleanWord,
  MAX_TIMER_MS,
  parseBoolean,
  parseChoice,
  parsePositiveInt,
  parseText,
  parseUrl,
  show,
  type Warn,
} from './parse.js';
import type { Env, IdentifyMode, JsSource, PosthogConfig, PosthogConfigOptions } from './types.js';

export type { Env, IdentifyMode, JsSource, PosthogConfig, PosthogConfigOptions } from './types.js';

/** Every default of docs/observability.md ("Variables"), in one place. */
export const DEFAULTS = Object.freeze({
  host: 'https://eu.i.posthog.com',
  identifyPii: 'email' as IdentifyMode,
  replay: true,
  replayMaskSelector: '',
  llmPayloads: false,
  llmPayloadMaxChars: 30_000,
  environment: 'unknown',
  jsSrc: 'cdn' as JsSource,
  firstParty: false,
  shutdownTimeoutMs: 5_000,
});

/** The overrides `loadConfig` takes; any other key is refused. */
const OPTION_KEYS = optionKeys<PosthogConfigOptions>({
  apiKey: true,
  host: true,
  uiHost: true,
  identifyPii: true,
  replay: true,
  replayMaskSelector: true,
  llmPayloads: true,
  llmPayloadMaxChars: true,
  environment: true,
  release: true,
  secretKey: true,
  jsSrc: true,
  firstParty: true,
  shutdownTimeoutMs: true,
  debug: true,
  production: true,
  logger: true,
});

const IDENTIFY_MODES: readonly IdentifyMode[] = ['none', 'id', 'email', 'full'];
const JS_SOURCES: readonly JsSource[] = ['cdn', 'self'];

/** The option name when an override is given, else the variable name. */
function pick(
  options: PosthogConfigOptions,
  key: keyof PosthogConfigOptions,
  env: Env,
  variable: string,
): [source: string, raw: unknown] {
  if (options[key] !== undefined) return [`option ${key}`, options[key]];
  return [variable, env[variable]];
}

/** The first variable (or option) holding a non-empty string. */
function firstText(
  options: PosthogConfigOptions,
  key: keyof PosthogConfigOptions,
  env: Env,
  variables: readonly string[],
  warn: Warn,
): string | undefined {
  const option = options[key];
  if (option !== undefined) {
    if (typeof option === 'string') return parseText(option);
    warn(`option ${key}=${show(option)} is not a string; ignoring it.`);
  }
  for (const variable of variables) {
    const value = parseText(env[variable]);
    if (value !== undefined) return value;
  }
  return undefined;
}

function resolveEnvironment(options: PosthogConfigOptions, env: Env, warn: Warn): string {
  const explicit = firstText(options, 'environment', env, ['POSTHOG_ENVIRONMENT'], warn);
  if (explicit !== undefined) return explicit;
  if (parseBoolean('LOCAL_DEV_MODE', env.LOCAL_DEV_MODE, false, warn)) return 'local';
  return (
    firstText(
      {},
      'environment',
      env,
      ['RELEASE_CHANNEL', 'DEPLOYMENT_ENV', 'AGNES_DEPLOYMENT_ENV'],
      warn,
    ) ?? DEFAULTS.environment
  );
}

/**
 * Reads the configuration (docs/observability.md, "Variables") once into a frozen object.
 *
 * A bad value never throws: it logs one warning naming the variable (or the
 * option), the value, and the default used instead. An unknown key in
 * `options` is a mistake in the code, not in the environment: it throws a
 * `TypeError` naming the nearest valid key.
 *
 * @param env - the environment to read. @default process.env
 * @param options - programmatic values; each wins over its variable.
 * @returns the frozen configuration.
 * @example
 * const config = loadConfig(process.env, { environment: 'staging' });
 * if (config.enabled) console.log(`PostHog on, host ${config.host}`);
 */
export function loadConfig(
  env: Env = process.env,
  options: Readonly<PosthogConfigOptions> = {},
): PosthogConfig {
  if (typeof options === 'object' && options !== null) {
    refuseUnknownKeys('loadConfig', options, OPTION_KEYS);
  }
  // `DEBUG=express-posthog` (the `debug` package's convention) turns on the console's debug lines.
  const logger =
    options.logger ??
    (/\bexpress-posthog\b/.test(env.DEBUG ?? '')
      ? createConsoleLogger({ debug: true })
      : consoleLogger);
  const warn: Warn = (message) => logger.warn(message);

  const apiKey = firstText(options, 'apiKey', env, ['POSTHOG_API_KEY'], warn);
  const host = parseUrl(...pick(options, 'host', env, 'POSTHOG_HOST'), DEFAULTS.host, warn);
  const uiHostSet = parseUrl(...pick(options, 'uiHost', env, 'POSTHOG_UI_HOST'), undefined, warn);
  const secretKey = firstText(
    options,
    'secretKey',
    env,
    ['POSTHOG_SECRET_KEY', 'POSTHOG_PERSONAL_API_KEY'],
    warn,
  );
  const debugRaw = options.debug ?? env.DEBUG;
  const debugAsked =
    typeof debugRaw === 'boolean' ? debugRaw : booleanWord(debugRaw ?? '') === true;
  const production =
    options.production ?? (env.NODE_ENV ?? '').trim().toLowerCase() === 'production';
  // No debug route and no error details in production, whatever DEBUG says.
  const debug = debugAsked && !production;
  if (debugAsked && production) {
    warn(
      `DEBUG=${show(debugRaw)} is ignored with NODE_ENV=production: /api/debug/throw and error details stay off. Use \`npx express-posthog check\` to verify the pipeline in production.`,
    );
  }

  const config: PosthogConfig = {
    enabled: apiKey !== undefined,
    apiKey,
    host,
    uiHost: uiHostSet ?? deriveUiHost(host),
    uiHostExplicit: uiHostSet !== undefined,
    assetsHost: deriveAssetsHost(host),
    identifyPii: parseChoice(
      ...pick(options, 'identifyPii', env, 'POSTHOG_IDENTIFY_PII'),
      IDENTIFY_MODES,
      DEFAULTS.identifyPii,
      warn,
    ),
    replay: parseBoolean(...pick(options, 'replay', env, 'POSTHOG_REPLAY'), DEFAULTS.replay, warn),
    replayMaskSelector:
      firstText(options, 'replayMaskSelector', env, ['POSTHOG_REPLAY_MASK_SELECTOR'], warn) ??
      DEFAULTS.replayMaskSelector,
    llmPayloads: parseBoolean(
      ...pick(options, 'llmPayloads', env, 'POSTHOG_LLM_PAYLOADS'),
      DEFAULTS.llmPayloads,
      warn,
    ),
    llmPayloadMaxChars: parsePositiveInt(
      ...pick(options, 'llmPayloadMaxChars', env, 'POSTHOG_LLM_PAYLOAD_MAX_CHARS'),
      DEFAULTS.llmPayloadMaxChars,
      warn,
    ),
    environment: resolveEnvironment(options, env, warn),
    release: firstText(
      options,
      'release',
      env,
      ['POSTHOG_RELEASE', 'APP_VERSION', 'AGNES_VERSION', 'RELEASE_CHANNEL'],
      warn,
    ),
    secretKey: undefined,
    jsSrc: parseChoice(
      ...pick(options, 'jsSrc', env, 'POSTHOG_JS_SRC'),
      JS_SOURCES,
      DEFAULTS.jsSrc,
      warn,
    ),
    firstParty: parseBoolean(
      ...pick(options, 'firstParty', env, 'POSTHOG_FIRST_PARTY'),
      DEFAULTS.firstParty,
      warn,
    ),
    shutdownTimeoutMs: parsePositiveInt(
      ...pick(options, 'shutdownTimeoutMs', env, 'POSTHOG_SHUTDOWN_TIMEOUT_MS'),
      DEFAULTS.shutdownTimeoutMs,
      warn,
      MAX_TIMER_MS,
    ),
    debug,
    production,
    logger,
  };
  Object.defineProperty(config, 'secretKey', { value: secretKey, enumerable: false });
  return Object.freeze(config);
}
