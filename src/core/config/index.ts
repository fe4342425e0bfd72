import { consoleLogger, createConsoleLogger } from '../log/index.js';
import { ENV, namesOf } from './env.js';
import { deriveAssetsHost, deriveUiHost } from './hosts.js';
import { optionKeys, refuseUnknownKeys } from './option-rules.js';
import { booleanWord, parseApiKey, parseHost, show, type Warn } from './parse.js';
import {
  firstText,
  readBoolean,
  readChoice,
  readDebug,
  readInteger,
  readProduction,
  readText,
  readUrl,
} from './read.js';
import type {
  ConsentMode,
  Env,
  IdentifyMode,
  JsSource,
  PosthogConfig,
  PosthogConfigOptions,
} from './types.js';

export type {
  ConsentMode,
  Env,
  IdentifyMode,
  JsSource,
  PosthogConfig,
  PosthogConfigOptions,
} from './types.js';

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
  snippetHoldMs: true,
  consent: true,
  shutdownTimeoutMs: true,
  debug: true,
  production: true,
  logger: true,
});

/**
 * The environment: `POSTHOG_ENVIRONMENT` (or its option), else `local` when `LOCAL_DEV_MODE`
 * is true, else `RELEASE_CHANNEL`, else `DEPLOYMENT_ENV` (or its alias), else `unknown`.
 */
function resolveEnvironment(options: PosthogConfigOptions, env: Env, warn: Warn): string {
  const explicit = firstText(options, 'environment', env, namesOf(ENV.POSTHOG_ENVIRONMENT), warn);
  if (explicit !== undefined) return explicit;
  if (readBoolean(ENV.LOCAL_DEV_MODE, options, env, warn)) return 'local';
  const fallbacks = namesOf(ENV.RELEASE_CHANNEL, ENV.DEPLOYMENT_ENV);
  return firstText({}, undefined, env, fallbacks, warn) ?? ENV.POSTHOG_ENVIRONMENT.default;
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
  const debugSetting = readDebug(ENV.DEBUG, env);
  const logger =
    options.logger ?? (debugSetting.logs ? createConsoleLogger({ debug: true }) : consoleLogger);
  const warn: Warn = (message) => logger.warn(message);

  // A personal or secret key, or a host that is not a URL, keeps the package off with one error.
  const keyReading = parseApiKey(
    options.apiKey !== undefined ? 'option apiKey' : ENV.POSTHOG_API_KEY.name,
    readText(ENV.POSTHOG_API_KEY, options, env, warn),
    warn,
  );
  const hostReading = parseHost(
    options.host !== undefined ? 'option host' : ENV.POSTHOG_HOST.name,
    options.host ?? env[ENV.POSTHOG_HOST.name],
    ENV.POSTHOG_HOST.default,
    warn,
  );
  for (const reason of [keyReading.refused, hostReading.refused]) {
    if (reason !== undefined) logger.error(reason);
  }
  const refused = keyReading.refused ?? hostReading.refused;
  // Why a configured package is off; a bad host without a key is only logged.
  const refusedKey =
    keyReading.refused ?? (keyReading.key !== undefined ? hostReading.refused : undefined);
  const apiKey = refused === undefined ? keyReading.key : undefined;
  const host = hostReading.host ?? ENV.POSTHOG_HOST.default;
  const uiHostSet = readUrl(ENV.POSTHOG_UI_HOST, options, env, warn);
  const secretKey = readText(ENV.POSTHOG_SECRET_KEY, options, env, warn);
  const debugRaw: unknown = options.debug ?? debugSetting.raw;
  const debugAsked =
    typeof debugRaw === 'boolean'
      ? debugRaw
      : typeof debugRaw === 'string' && booleanWord(debugRaw) === true;
  const production = options.production ?? readProduction(ENV.NODE_ENV, env);
  // No debug route and no error details in production, whatever DEBUG says.
  const debug = debugAsked && !production;
  if (debugAsked && production) {
    warn(
      `DEBUG=${show(debugRaw)} is ignored with NODE_ENV=production: /api/debug/throw and error details stay off. Use \`npx express-posthog check\` to verify the pipeline in production.`,
    );
  }

  const config: PosthogConfig = {
    enabled: apiKey !== undefined,
    ...(refusedKey !== undefined ? { refused: refusedKey } : {}),
    apiKey,
    host,
    uiHost: uiHostSet ?? deriveUiHost(host),
    uiHostExplicit: uiHostSet !== undefined,
    assetsHost: deriveAssetsHost(host),
    identifyPii: readChoice<IdentifyMode>(ENV.POSTHOG_IDENTIFY_PII, options, env, warn),
    replay: readBoolean(ENV.POSTHOG_REPLAY, options, env, warn),
    replayMaskSelector: readText(ENV.POSTHOG_REPLAY_MASK_SELECTOR, options, env, warn),
    llmPayloads: readBoolean(ENV.POSTHOG_LLM_PAYLOADS, options, env, warn),
    llmPayloadMaxChars: readInteger(ENV.POSTHOG_LLM_PAYLOAD_MAX_CHARS, options, env, warn),
    environment: resolveEnvironment(options, env, warn),
    // POSTHOG_RELEASE (or its option), else APP_VERSION (or its alias), else RELEASE_CHANNEL.
    release: firstText(
      options,
      ENV.POSTHOG_RELEASE.option,
      env,
      namesOf(ENV.POSTHOG_RELEASE, ENV.APP_VERSION, ENV.RELEASE_CHANNEL),
      warn,
    ),
    secretKey: undefined,
    jsSrc: readChoice<JsSource>(ENV.POSTHOG_JS_SRC, options, env, warn),
    firstParty: readBoolean(ENV.POSTHOG_FIRST_PARTY, options, env, warn),
    snippetHoldMs: readInteger(ENV.POSTHOG_SNIPPET_HOLD_MS, options, env, warn),
    consent: readChoice<ConsentMode>(ENV.POSTHOG_CONSENT, options, env, warn),
    shutdownTimeoutMs: readInteger(ENV.POSTHOG_SHUTDOWN_TIMEOUT_MS, options, env, warn),
    debug,
    production,
    logger,
  };
  Object.defineProperty(config, 'secretKey', { value: secretKey, enumerable: false });
  return Object.freeze(config);
}
