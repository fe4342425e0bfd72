/**
 * The one table of every environment variable the package reads (docs/observability.md,
 * "Variables"). `loadConfig`, the reference app's `loadAppConfig`, the table printed by
 * `express-posthog check` and `.env.template` (`npm run env-template`) are all derived from it;
 * a variable added here without being read, printed or documented fails a test.
 */
import { MAX_TIMER_MS } from './parse.js';
import type { ConsentMode, IdentifyMode, JsSource, PosthogConfigOptions } from './types.js';

/** Who reads a variable: the library (`loadConfig`), the reference app (`npm start`), the inspector. */
export type EnvReader = 'library' | 'reference app' | 'inspector';

/** What every row of the table says, whatever its parser. */
interface EnvRow {
  /** The variable's name, e.g. `POSTHOG_HOST`. */
  readonly name: string;
  /** Other names read, in order, when this one is unset or empty. */
  readonly aliases: readonly string[];
  /** One line: what the variable does. */
  readonly meaning: string;
  /** Who reads it. */
  readonly readBy: readonly EnvReader[];
  /** The default in words, when it is not one value (`derived from …`, `resolved`…). */
  readonly defaultText?: string;
  /** The variables whose value this one supplies when they are unset (a fallback, not a setting). */
  readonly fallbackFor?: readonly string[];
}

/** A trimmed string; empty or blank is unset. */
export interface TextVariable extends EnvRow {
  readonly parser: 'text';
  /** The `loadConfig` option that wins over the variable. */
  readonly option?: keyof PosthogConfigOptions;
  readonly default: string | undefined;
}

/** An absolute http(s) URL, without a trailing slash or credentials. */
export interface UrlVariable extends EnvRow {
  readonly parser: 'url';
  readonly option: keyof PosthogConfigOptions;
  readonly default: string | undefined;
}

/** `1/true/yes/on` or `0/false/no/off/empty`, any case. */
export interface BooleanVariable extends EnvRow {
  readonly parser: 'boolean';
  readonly option?: keyof PosthogConfigOptions;
  readonly default: boolean;
}

/** One word of a fixed list, any case. */
export interface ChoiceVariable<T extends string = string> extends EnvRow {
  readonly parser: 'choice';
  readonly option: keyof PosthogConfigOptions;
  readonly choices: readonly T[];
  readonly default: T;
  /** What a value that is not one of the choices reads as, when not the default. */
  readonly invalid?: T;
}

/** A positive integer up to `max`. */
export interface IntegerVariable extends EnvRow {
  readonly parser: 'positive integer';
  readonly option: keyof PosthogConfigOptions;
  readonly default: number;
  readonly max: number;
}

/** A TCP port, 1 to 65535. */
export interface PortVariable extends EnvRow {
  readonly parser: 'port';
  readonly default: number;
}

/** `DEBUG`: a boolean word, or a namespace list for the `debug` package. */
export interface DebugVariable extends EnvRow {
  readonly parser: 'debug';
  readonly default: undefined;
}

/** `NODE_ENV`: only the word `production` (any case) matters. */
export interface NodeEnvVariable extends EnvRow {
  readonly parser: 'production';
  readonly default: undefined;
}

/** One row of the table. */
export type EnvVariable =
  | TextVariable
  | UrlVariable
  | BooleanVariable
  | ChoiceVariable
  | IntegerVariable
  | PortVariable
  | DebugVariable
  | NodeEnvVariable;

const IDENTIFY_MODES: readonly IdentifyMode[] = ['none', 'id', 'email', 'full'];
const JS_SOURCES: readonly JsSource[] = ['cdn', 'self'];
const CONSENT_MODES: readonly ConsentMode[] = ['granted', 'ask', 'cookieless'];

/**
 * Every environment variable the package reads, by name, in the order `check` prints them
 * and `.env.template` lists them.
 */
export const ENV = {
  POSTHOG_API_KEY: {
    name: 'POSTHOG_API_KEY',
    aliases: [],
    parser: 'text',
    option: 'apiKey',
    default: undefined,
    defaultText: 'unset',
    meaning:
      "The on/off switch: your project's public key (phc_...). Unset = everything off, no sockets. A personal or secret key (phx_..., phs_...), or another service's secret (sk-..., ghp_..., AKIA...), is refused: the package stays off. Another value not shaped like phc_... is used with a warning.",
    readBy: ['library', 'reference app', 'inspector'],
  },
  POSTHOG_HOST: {
    name: 'POSTHOG_HOST',
    aliases: [],
    parser: 'url',
    option: 'host',
    default: 'https://eu.i.posthog.com',
    meaning:
      'Ingestion host: https://eu.i.posthog.com, https://us.i.posthog.com, or a self-hosted or proxy URL. Credentials in it (user:pass@) are dropped with a warning: the host is published in every page. Not an http(s) URL = the package stays off.',
    readBy: ['library'],
  },
  POSTHOG_UI_HOST: {
    name: 'POSTHOG_UI_HOST',
    aliases: [],
    parser: 'url',
    option: 'uiHost',
    default: undefined,
    defaultText: 'derived from POSTHOG_HOST',
    meaning: 'PostHog app host for links, when POSTHOG_HOST is a proxy.',
    readBy: ['library'],
  },
  POSTHOG_SECRET_KEY: {
    name: 'POSTHOG_SECRET_KEY',
    aliases: ['POSTHOG_PERSONAL_API_KEY'],
    parser: 'text',
    option: 'secretKey',
    default: undefined,
    defaultText: 'unset',
    meaning: 'Secret key for server-side local flag evaluation. Never rendered into HTML or logs.',
    readBy: ['library'],
  },
  POSTHOG_ENVIRONMENT: {
    name: 'POSTHOG_ENVIRONMENT',
    aliases: [],
    parser: 'text',
    option: 'environment',
    default: 'unknown',
    defaultText:
      'LOCAL_DEV_MODE → "local", else RELEASE_CHANNEL, else DEPLOYMENT_ENV, else "unknown"',
    meaning: 'The environment property on every event.',
    readBy: ['library'],
  },
  LOCAL_DEV_MODE: {
    name: 'LOCAL_DEV_MODE',
    aliases: [],
    parser: 'boolean',
    default: false,
    meaning: 'True makes the environment "local" when POSTHOG_ENVIRONMENT is unset.',
    readBy: ['library'],
    fallbackFor: ['POSTHOG_ENVIRONMENT'],
  },
  RELEASE_CHANNEL: {
    name: 'RELEASE_CHANNEL',
    aliases: [],
    parser: 'text',
    default: undefined,
    defaultText: 'unset',
    meaning:
      'The environment when POSTHOG_ENVIRONMENT and LOCAL_DEV_MODE set none, and the release when POSTHOG_RELEASE and APP_VERSION are unset.',
    readBy: ['library'],
    fallbackFor: ['POSTHOG_ENVIRONMENT', 'POSTHOG_RELEASE'],
  },
  DEPLOYMENT_ENV: {
    name: 'DEPLOYMENT_ENV',
    aliases: ['AGNES_DEPLOYMENT_ENV'],
    parser: 'text',
    default: undefined,
    defaultText: 'unset',
    meaning:
      'The environment when POSTHOG_ENVIRONMENT, LOCAL_DEV_MODE and RELEASE_CHANNEL set none.',
    readBy: ['library'],
    fallbackFor: ['POSTHOG_ENVIRONMENT'],
  },
  POSTHOG_RELEASE: {
    name: 'POSTHOG_RELEASE',
    aliases: [],
    parser: 'text',
    option: 'release',
    default: undefined,
    defaultText: 'APP_VERSION, else RELEASE_CHANNEL, else omitted',
    meaning: 'The release property on every event.',
    readBy: ['library'],
  },
  APP_VERSION: {
    name: 'APP_VERSION',
    aliases: ['AGNES_VERSION'],
    parser: 'text',
    default: undefined,
    defaultText: 'unset',
    meaning: 'The release when POSTHOG_RELEASE is unset.',
    readBy: ['library'],
    fallbackFor: ['POSTHOG_RELEASE'],
  },
  POSTHOG_IDENTIFY_PII: {
    name: 'POSTHOG_IDENTIFY_PII',
    aliases: [],
    parser: 'choice',
    option: 'identifyPii',
    choices: IDENTIFY_MODES,
    default: 'email',
    meaning: 'How much of the user rides on events: none, id, email or full.',
    readBy: ['library'],
  },
  POSTHOG_REPLAY: {
    name: 'POSTHOG_REPLAY',
    aliases: [],
    parser: 'boolean',
    option: 'replay',
    default: true,
    meaning: 'Browser session replay. Inputs are always masked.',
    readBy: ['library'],
  },
  POSTHOG_REPLAY_MASK_SELECTOR: {
    name: 'POSTHOG_REPLAY_MASK_SELECTOR',
    aliases: [],
    parser: 'text',
    option: 'replayMaskSelector',
    default: '',
    defaultText: 'empty',
    meaning: 'Extra CSS selector whose text is masked in replay, appended to the default list.',
    readBy: ['library'],
  },
  POSTHOG_LLM_PAYLOADS: {
    name: 'POSTHOG_LLM_PAYLOADS',
    aliases: [],
    parser: 'boolean',
    option: 'llmPayloads',
    default: false,
    meaning: 'Send prompt and completion bodies on $ai_generation.',
    readBy: ['library'],
  },
  POSTHOG_LLM_PAYLOAD_MAX_CHARS: {
    name: 'POSTHOG_LLM_PAYLOAD_MAX_CHARS',
    aliases: [],
    parser: 'positive integer',
    option: 'llmPayloadMaxChars',
    default: 30_000,
    max: Number.MAX_SAFE_INTEGER,
    meaning: 'Cap, in characters, on each of those bodies.',
    readBy: ['library'],
  },
  POSTHOG_JS_SRC: {
    name: 'POSTHOG_JS_SRC',
    aliases: [],
    parser: 'choice',
    option: 'jsSrc',
    choices: JS_SOURCES,
    default: 'cdn',
    meaning:
      'Where the browser loads posthog-js: cdn, or self (first-party, from the posthog-js package).',
    readBy: ['library'],
  },
  POSTHOG_FIRST_PARTY: {
    name: 'POSTHOG_FIRST_PARTY',
    aliases: [],
    parser: 'boolean',
    option: 'firstParty',
    default: false,
    meaning:
      "First-party delivery: the boot script, the posthog-js bundle (needs the posthog-js package) and an ingestion proxy to POSTHOG_HOST, all from the app's own origin under one path prefix.",
    readBy: ['library'],
  },
  POSTHOG_SNIPPET_HOLD_MS: {
    name: 'POSTHOG_SNIPPET_HOLD_MS',
    aliases: [],
    parser: 'positive integer',
    option: 'snippetHoldMs',
    default: 50,
    max: MAX_TIMER_MS,
    meaning:
      "How long, in ms, the snippet holds a page's first bytes while the app writes nothing more before it decides where the snippet goes; then they go out.",
    readBy: ['library'],
  },
  POSTHOG_CONSENT: {
    name: 'POSTHOG_CONSENT',
    aliases: [],
    parser: 'choice',
    option: 'consent',
    choices: CONSENT_MODES,
    default: 'granted',
    invalid: 'ask',
    meaning:
      'Visitor consent: granted (your own legal basis), ask (nothing stored or identified until posthog.opt_in_capturing()), cookieless (never). A typo reads as ask.',
    readBy: ['library'],
  },
  POSTHOG_SHUTDOWN_TIMEOUT_MS: {
    name: 'POSTHOG_SHUTDOWN_TIMEOUT_MS',
    aliases: [],
    parser: 'positive integer',
    option: 'shutdownTimeoutMs',
    default: 5_000,
    max: MAX_TIMER_MS,
    meaning: `Upper bound, in ms, on the flush at shutdown and at CLI exit: 1 to ${MAX_TIMER_MS}.`,
    readBy: ['library', 'reference app'],
  },
  DEBUG: {
    name: 'DEBUG',
    aliases: [],
    parser: 'debug',
    default: undefined,
    defaultText: 'off',
    meaning:
      'A boolean true enables /api/debug/throw and error details (never with NODE_ENV=production); a list naming express-posthog prints the package debug lines; other debug namespaces (express:*) mean off.',
    readBy: ['library', 'reference app'],
  },
  NODE_ENV: {
    name: 'NODE_ENV',
    aliases: [],
    parser: 'production',
    default: undefined,
    defaultText: 'unset',
    meaning:
      'Set to production: the debug route, error details, the demo login and the inspector are off.',
    readBy: ['library', 'reference app', 'inspector'],
  },
  PORT: {
    name: 'PORT',
    aliases: [],
    parser: 'port',
    default: 3000,
    meaning: 'Port npm start (the reference app) listens on.',
    readBy: ['reference app'],
  },
  HOST: {
    name: 'HOST',
    aliases: [],
    parser: 'text',
    default: '127.0.0.1',
    meaning: 'Interface npm start listens on; 0.0.0.0 in a container.',
    readBy: ['reference app'],
  },
  DEMO_AUTH_SECRET: {
    name: 'DEMO_AUTH_SECRET',
    aliases: [],
    parser: 'text',
    default: undefined,
    defaultText: 'random per process',
    meaning:
      "Signs the reference app's demo login cookie; unset = a random secret per process (logins end on restart).",
    readBy: ['reference app'],
  },
} as const satisfies Readonly<Record<string, EnvVariable>>;

/** A variable's name. */
export type EnvName = keyof typeof ENV;

/** Every row of {@link ENV}, in its order. */
export const ENV_VARIABLES: readonly EnvVariable[] = Object.values(ENV);

/** A variable's name and its aliases, in the order they are read. */
export function namesOf(...variables: readonly EnvVariable[]): string[] {
  return variables.flatMap((variable) => [variable.name, ...variable.aliases]);
}

type Row<N extends EnvName> = (typeof ENV)[N];

/**
 * The variables that stand for one field of the library's config: read by the library and
 * not a fallback of another variable. `express-posthog check` prints one line for each.
 */
export type SettingName = {
  [N in EnvName]: Row<N> extends { readonly fallbackFor: readonly string[] }
    ? never
    : 'library' extends Row<N>['readBy'][number]
      ? N
      : never;
}[EnvName];

/** The rows of {@link SettingName}, in the table's order. */
export const SETTINGS: readonly (EnvVariable & { readonly name: SettingName })[] =
  ENV_VARIABLES.filter(
    (variable): variable is EnvVariable & { readonly name: SettingName } =>
      variable.readBy.includes('library') && variable.fallbackFor === undefined,
  );

/** The default as the docs and `.env.template` state it: a value, or words for a computed one. */
export function describeDefault(variable: EnvVariable): string {
  if (variable.defaultText !== undefined) return variable.defaultText;
  return String(variable.default);
}
