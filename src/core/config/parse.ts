/**
 * Parsers for configuration values. Each takes the raw value (a string from
 * the environment, or a typed value passed as an option), and on a bad value
 * reports one warning naming the source, the value and the default used.
 * No `process.env` here: the caller hands the values in.
 */
import { redactText, redactUrl } from '../redact/redact.js';
import { isPositiveInteger } from './option-rules.js';

/** Where a value came from, for warnings: `POSTHOG_REPLAY` or `option replay`. */
export type Source = string;

/** Receives one warning line. */
export type Warn = (message: string) => void;

const TRUE_WORDS = new Set(['1', 'true', 'yes', 'on']);
const FALSE_WORDS = new Set(['0', 'false', 'no', 'off', '']);

/**
 * Renders a bad value for a message: strings quoted, objects as JSON cut at 200 characters,
 * bigints, functions and symbols by kind; never throws, whatever the value.
 * @example
 * show('4mb'); // '"4mb"'
 * show(10n); // '10n'
 */
export function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'symbol') return value.toString();
  try {
    const text = JSON.stringify(value) ?? String(value);
    return text.length > 200 ? `${text.slice(0, 200)}…` : text;
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/** `'true'`, `'On'`, `'1'`… → true; `'0'`, `'no'`, `''`… → false; `undefined` → undefined. */
export function booleanWord(raw: string): boolean | undefined {
  const word = raw.trim().toLowerCase();
  if (TRUE_WORDS.has(word)) return true;
  if (FALSE_WORDS.has(word)) return false;
  return undefined;
}

/** A boolean: `1/true/yes/on` or `0/false/no/off/empty` (any case), or a real boolean. */
export function parseBoolean(source: Source, raw: unknown, fallback: boolean, warn: Warn): boolean {
  if (raw === undefined) return fallback;
  if (typeof raw === 'boolean') return raw;
  if (typeof raw === 'string') {
    const value = booleanWord(raw);
    if (value !== undefined) return value;
  }
  warn(
    `${source}=${show(raw)} is not a boolean (use 1/0, true/false, yes/no or on/off); using the default ${fallback}.`,
  );
  return fallback;
}

/** The longest delay Node.js timers accept (2³¹−1 ms); a longer one fires after 1 ms. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * A positive integer, as a number or a decimal string, at most `max`
 * (default: the largest safe integer). Out of range or not an integer →
 * one warning naming the source, the value, the range and the default used.
 */
export function parsePositiveInt(
  source: Source,
  raw: unknown,
  fallback: number,
  warn: Warn,
  max: number = Number.MAX_SAFE_INTEGER,
): number {
  if (raw === undefined) return fallback;
  const text = typeof raw === 'string' ? raw.trim() : undefined;
  if (text === '') return fallback;
  const value = text !== undefined && /^\+?\d+$/.test(text) ? Number(text) : raw;
  if (isPositiveInteger(value, max)) return value;
  if (typeof value === 'number' && Number.isInteger(value) && value > max) {
    warn(
      `${source}=${show(raw)} is above the most allowed, ${max}; use an integer from 1 to ${max}. Using the default ${fallback}.`,
    );
    return fallback;
  }
  const range = max === Number.MAX_SAFE_INTEGER ? '' : ` (1 to ${max})`;
  warn(`${source}=${show(raw)} is not a positive integer${range}; using the default ${fallback}.`);
  return fallback;
}

/** One of a fixed list of words, matched case-insensitively. */
export function parseChoice<T extends string>(
  source: Source,
  raw: unknown,
  choices: readonly T[],
  fallback: T,
  warn: Warn,
  invalid: T = fallback,
): T {
  if (raw === undefined) return fallback;
  if (typeof raw === 'string') {
    const word = raw.trim().toLowerCase();
    if (word === '') return fallback;
    const match = choices.find((choice) => choice === word);
    if (match !== undefined) return match;
  }
  warn(
    `${source}=${show(raw)} is not one of ${choices.join(', ')}; using ${invalid === fallback ? `the default ${fallback}` : `${invalid} (the safe reading of a mistake; the default is ${fallback})`}.`,
  );
  return invalid;
}

/**
 * An absolute http(s) URL without a trailing slash. Empty means "use the default".
 * Returns `undefined` (after warning) for a bad value when there is no default.
 * Credentials in it (`https://user:pass@host`) are dropped with a warning: a
 * host is published in every page's snippet, and posthog-node cannot send to
 * a URL holding them. Warnings never echo the credentials.
 */
export function parseUrl<F extends string | undefined>(
  source: Source,
  raw: unknown,
  fallback: F,
  warn: Warn,
): string | F {
  if (raw === undefined) return fallback;
  if (typeof raw === 'string') {
    const text = raw.trim();
    if (text === '') return fallback;
    try {
      const url = new URL(text);
      if ((url.protocol === 'http:' || url.protocol === 'https:') && !url.search && !url.hash) {
        if (url.username === '' && url.password === '') return text.replace(/\/+$/, '');
        const clean = `${url.protocol}//${url.host}${url.pathname}`.replace(/\/+$/, '');
        warn(
          `${source}=${show(redactUrl(text))} holds credentials (user name or password); they are dropped and ${clean} is used. Put credentials for a proxy in the proxy, not in the host a browser is given.`,
        );
        return clean;
      }
    } catch {
      // fall through to the warning
    }
  }
  const instead = fallback === undefined ? 'ignoring it' : `using the default ${fallback}`;
  const shown = typeof raw === 'string' ? redactUrl(raw) : raw;
  warn(
    `${source}=${show(shown)} is not an http(s) URL such as https://eu.i.posthog.com; ${instead}.`,
  );
  return fallback;
}

/** A trimmed string; empty or whitespace-only becomes `undefined`. */
export function parseText(raw: unknown): string | undefined {
  if (typeof raw !== 'string') return undefined;
  const text = raw.trim();
  return text === '' ? undefined : text;
}

/** A key or host wrapped in one pair of quotes, as some env-file loaders keep them. */
const QUOTED = /^(["'`])([\s\S]*)\1$/;

/**
 * `"value"` → `value`, with one warning naming the source: an env file loaded without quote
 * handling keeps them. The value itself is not echoed.
 */
export function stripQuotes(source: Source, text: string, warn: Warn): string {
  const quoted = QUOTED.exec(text);
  if (!quoted) return text;
  warn(
    `${source} is wrapped in quotes (${quoted[1]}…${quoted[1]}); they are dropped. Remove them from the value (an env file loaded without quote handling keeps them).`,
  );
  return (quoted[2] ?? '').trim();
}

/** What the API key says: the key to use, or why the package stays off. */
export type ApiKeyReading =
  | { readonly key: string | undefined; readonly refused?: undefined }
  | { readonly key: undefined; readonly refused: string };

/**
 * The project API key (`phc_…`): trimmed, quotes stripped with a warning. A personal or secret
 * key (`phx_…`, `phs_…`), or a value the redaction takes for a secret (another service's key,
 * `sk-…`, `ghp_…`, `AKIA…`, a JWT), is refused: it would be published in every page, so the
 * package stays off, with one error naming the source and never the key. Any other value not
 * shaped like a project key is used, with a warning.
 */
export function parseApiKey(source: Source, raw: string | undefined, warn: Warn): ApiKeyReading {
  if (raw === undefined) return { key: undefined };
  const key = stripQuotes(source, raw.trim(), warn);
  if (key === '') return { key: undefined };
  if (/^ph[xs]_/i.test(key)) {
    return {
      key: undefined,
      refused: `${source} holds a personal or secret API key (${key.slice(0, 4)}…), which would be published to every visitor: express-posthog stays off. Use the project API key (phc_…) from your PostHog project settings; a secret key for local flag evaluation belongs in POSTHOG_SECRET_KEY.`,
    };
  }
  // (A quote left at one end is not a secret: the warning below names the value's shape.)
  if (!/^["'`]?phc_/i.test(key) && redactText(key) !== key) {
    return {
      key: undefined,
      refused: `${source} holds what looks like a secret of another service (${key.slice(0, 3)}…), which would be published to every visitor: express-posthog stays off. Use the project API key (phc_…) from your PostHog project settings.`,
    };
  }
  if (!/^phc_[\w-]+$/.test(key)) {
    // A placeholder left unexpanded or a stringified nothing is shown; anything else may be secret.
    const shown = /^(?:undefined|null|\$\{?\w+\}?)$/.test(key) ? ` ("${key}")` : '';
    warn(
      `${source}${shown} does not look like a PostHog project key (phc_ then letters, digits, _ or -; this value has ${key.length} characters); it is used as given. Copy the Project API key from your PostHog project settings.`,
    );
  }
  return { key };
}

/** PostHog's app hosts, which do not take events, and the ingestion host of each. */
const APP_HOSTS: Readonly<Record<string, string>> = {
  'eu.posthog.com': 'https://eu.i.posthog.com',
  'us.posthog.com': 'https://us.i.posthog.com',
  'app.posthog.com': 'https://us.i.posthog.com',
};

/** An endpoint path at the end of a host (`/e/`, `/batch/`, `/capture/`, `/i/v0/e/`). */
const ENDPOINT_PATH = /\/(?:e|batch|capture|i\/v0\/e)\/*$/i;

/** What the host says: the host to use, or why the package stays off. */
export type HostReading =
  | { readonly host: string; readonly refused?: undefined }
  | { readonly host: undefined; readonly refused: string };

/**
 * The ingestion host. Empty means the default. A value that is not an http(s) URL turns the
 * package off with one error naming it (fail closed: never send to a host the operator did
 * not name). PostHog's app hosts are replaced by their ingestion host, and an endpoint path is
 * dropped, each with a warning; credentials are dropped with a warning, as by {@link parseUrl}.
 */
export function parseHost(source: Source, raw: unknown, fallback: string, warn: Warn): HostReading {
  if (raw === undefined) return { host: fallback };
  const text = typeof raw === 'string' ? stripQuotes(source, raw.trim(), warn) : undefined;
  if (text === '') return { host: fallback };
  let host: string | undefined;
  if (text !== undefined) {
    // parseUrl warns only for credentials here: anything else it refuses is caught below.
    const parsed = parseUrl(source, text, undefined, (message) => {
      if (/holds credentials/.test(message)) warn(message);
    });
    host = parsed;
  }
  if (host === undefined) {
    const shown = typeof raw === 'string' ? redactUrl(raw) : raw;
    return {
      host: undefined,
      refused: `${source}=${show(shown)} is not an http(s) URL such as https://eu.i.posthog.com: express-posthog stays off rather than send events to a host you did not name. Fix the value, or unset it for the default ${fallback}.`,
    };
  }
  const url = new URL(host);
  const ingestion = APP_HOSTS[url.host.toLowerCase()];
  if (ingestion !== undefined && url.protocol === 'https:') {
    warn(
      `${source}=${show(host)} is PostHog's app host, which does not take events; using its ingestion host ${ingestion}. Set ${source}=${ingestion}.`,
    );
    return { host: ingestion };
  }
  if (ENDPOINT_PATH.test(url.pathname)) {
    const base = host.replace(ENDPOINT_PATH, '').replace(/\/+$/, '');
    warn(
      `${source}=${show(host)} ends with an endpoint path; the SDKs add their own, so it is dropped and ${base} is used. Set ${source}=${base}.`,
    );
    return { host: base };
  }
  return { host };
}
