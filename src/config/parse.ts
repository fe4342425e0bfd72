/**
 * Parsers for configuration values. Each takes the raw value (a string from
 * the environment, or a typed value passed as an option), and on a bad value
 * reports one warning naming the source, the value and the default used.
 * No `process.env` here: the caller hands the values in.
 */

/** Where a value came from, for warnings: `POSTHOG_REPLAY` or `option replay`. */
export type Source = string;

/** Receives one warning line. */
export type Warn = (message: string) => void;

const TRUE_WORDS = new Set(['1', 'true', 'yes', 'on']);
const FALSE_WORDS = new Set(['0', 'false', 'no', 'off', '']);

/** Renders a bad value for a warning: strings quoted, others as JSON. */
export function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
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

/** A positive integer, as a number or a decimal string. */
export function parsePositiveInt(
  source: Source,
  raw: unknown,
  fallback: number,
  warn: Warn,
): number {
  if (raw === undefined) return fallback;
  const text = typeof raw === 'string' ? raw.trim() : undefined;
  if (text === '') return fallback;
  const value = text !== undefined && /^\+?\d+$/.test(text) ? Number(text) : raw;
  if (typeof value === 'number' && Number.isSafeInteger(value) && value > 0) return value;
  warn(`${source}=${show(raw)} is not a positive integer; using the default ${fallback}.`);
  return fallback;
}

/** One of a fixed list of words, matched case-insensitively. */
export function parseChoice<T extends string>(
  source: Source,
  raw: unknown,
  choices: readonly T[],
  fallback: T,
  warn: Warn,
): T {
  if (raw === undefined) return fallback;
  if (typeof raw === 'string') {
    const word = raw.trim().toLowerCase();
    if (word === '') return fallback;
    const match = choices.find((choice) => choice === word);
    if (match !== undefined) return match;
  }
  warn(
    `${source}=${show(raw)} is not one of ${choices.join(', ')}; using the default ${fallback}.`,
  );
  return fallback;
}

/**
 * An absolute http(s) URL without a trailing slash. Empty means "use the default".
 * Returns `undefined` (after warning) for a bad value when there is no default.
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
        return text.replace(/\/+$/, '');
      }
    } catch {
      // fall through to the warning
    }
  }
  const instead = fallback === undefined ? 'ignoring it' : `using the default ${fallback}`;
  warn(
    `${source}=${show(raw)} is not an http(s) URL such as https://eu.i.posthog.com; ${instead}.`,
  );
  return fallback;
}

/** A trimmed string; empty or whitespace-only becomes `undefined`. */
export function parseText(raw: unknown): string | undefined {
  if (typeof raw !== 'string') return undefined;
  const text = raw.trim();
  return text === '' ? undefined : text;
}
