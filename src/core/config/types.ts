import type { Logger } from '../log/index.js';

/** How much of the user rides on events (docs/observability.md). */
export type IdentifyMode = 'none' | 'id' | 'email' | 'full';

/**
 * The visitor-consent mode (docs/observability.md, "Consent"): `granted` (the app has its own
 * legal basis), `ask` (nothing stored or identified until the visitor accepts), `cookieless`
 * (never stored, never identified).
 */
export type ConsentMode = 'granted' | 'ask' | 'cookieless';

/** Where the browser loads posthog-js from (docs/observability.md). */
export type JsSource = 'cdn' | 'self';

/** The resolved, frozen configuration (docs/observability.md, "Variables"). Build it with `loadConfig`. */
export interface PosthogConfig {
  /** True when `apiKey` is set: the package's on/off switch. */
  readonly enabled: boolean;
  /**
   * Why the package is off although `POSTHOG_API_KEY` is set (a personal or secret key, a
   * host that is not an http(s) URL): the error `loadConfig` logged. `undefined` otherwise.
   */
  readonly refused?: string;
  /** The public project key (`phc_…`), trimmed; `undefined` when unset. */
  readonly apiKey: string | undefined;
  /** Ingestion host, no trailing slash. */
  readonly host: string;
  /** PostHog app host, for links (`ui_host`); derived from `host` unless set. */
  readonly uiHost: string;
  /** True when `uiHost` was set explicitly: the snippet then sends `ui_host`. */
  readonly uiHostExplicit: boolean;
  /** Host the browser loads `/static/array.js` from when `jsSrc` is `cdn`. */
  readonly assetsHost: string;
  /** User properties on events: `none`, `id`, `email` or `full`. */
  readonly identifyPii: IdentifyMode;
  /** Session replay in the browser. */
  readonly replay: boolean;
  /** Extra CSS selector appended to the replay mask list; may be empty. */
  readonly replayMaskSelector: string;
  /** Send prompt and completion bodies on `$ai_generation`. */
  readonly llmPayloads: boolean;
  /** Cap, in characters, for each of those bodies. */
  readonly llmPayloadMaxChars: number;
  /** The `environment` property on every event. */
  readonly environment: string;
  /** The `release` property on every event; omitted when `undefined`. */
  readonly release: string | undefined;
  /**
   * Secret key for server-side local flag evaluation. Not enumerable, so that
   * logging or serialising the config does not print it.
   */
  readonly secretKey: string | undefined;
  /** `cdn` or `self` (first-party bundle from the `posthog-js` package). */
  readonly jsSrc: JsSource;
  /**
   * Everything the browser needs comes from the app's own origin: the boot script, the
   * posthog-js bundle and the ingestion proxy, under one path prefix (`POSTHOG_FIRST_PARTY`).
   */
  readonly firstParty: boolean;
  /**
   * How long the snippet holds a page's first bytes while the app writes nothing more, before
   * it decides as at a flush (`POSTHOG_SNIPPET_HOLD_MS`).
   */
  readonly snippetHoldMs: number;
  /** The visitor-consent mode (`POSTHOG_CONSENT`), honoured by the browser and the server alike. */
  readonly consent: ConsentMode;
  /** Upper bound on the flush at shutdown and at CLI exit. */
  readonly shutdownTimeoutMs: number;
  /** `DEBUG` was a boolean true: enables `/api/debug/throw`. */
  readonly debug: boolean;
  /** `NODE_ENV` is `production`. */
  readonly production: boolean;
  /** Where the package logs. */
  readonly logger: Logger;
}

/** Programmatic overrides for `loadConfig`; each wins over the environment. */
export interface PosthogConfigOptions {
  readonly apiKey?: string;
  readonly host?: string;
  readonly uiHost?: string;
  readonly identifyPii?: IdentifyMode;
  readonly replay?: boolean;
  readonly replayMaskSelector?: string;
  readonly llmPayloads?: boolean;
  readonly llmPayloadMaxChars?: number;
  readonly environment?: string;
  readonly release?: string;
  readonly secretKey?: string;
  readonly jsSrc?: JsSource;
  readonly firstParty?: boolean;
  readonly snippetHoldMs?: number;
  readonly consent?: ConsentMode;
  readonly shutdownTimeoutMs?: number;
  readonly debug?: boolean;
  readonly production?: boolean;
  /** Where warnings and SDK errors go. @default console, prefixed `[express-posthog]` */
  readonly logger?: Logger;
}

/** The environment as `process.env` shapes it. */
export type Env = Readonly<Record<string, string | undefined>>;
