/**
 * Reads one row of the environment table (env.ts) with its parser (parse.ts): the option
 * wins over the variable, the variable over its aliases, and a bad value warns once and
 * falls back to the row's default. `DEBUG` and `NODE_ENV` are read here and nowhere else.
 */
import type {
  BooleanVariable,
  ChoiceVariable,
  DebugVariable,
  IntegerVariable,
  NodeEnvVariable,
  PortVariable,
  TextVariable,
  UrlVariable,
} from './env.js';
import {
  booleanWord,
  parseBoolean,
  parseChoice,
  parsePositiveInt,
  parseText,
  parseUrl,
  show,
  type Warn,
} from './parse.js';
import type { Env, PosthogConfigOptions } from './types.js';

/** The option's name and value when it is given, else the variable's name and value. */
function pick(
  options: PosthogConfigOptions,
  key: keyof PosthogConfigOptions | undefined,
  env: Env,
  variable: string,
): [source: string, raw: unknown] {
  if (key !== undefined && options[key] !== undefined) return [`option ${key}`, options[key]];
  return [variable, env[variable]];
}

/**
 * The option, when it is a string, else the first of `names` holding a non-empty string,
 * trimmed; `undefined` when none does. An option that is not a string warns and is ignored.
 */
export function firstText(
  options: PosthogConfigOptions,
  key: keyof PosthogConfigOptions | undefined,
  env: Env,
  names: readonly string[],
  warn: Warn,
): string | undefined {
  const option = key === undefined ? undefined : options[key];
  if (option !== undefined) {
    if (typeof option === 'string') return parseText(option);
    warn(`option ${key}=${show(option)} is not a string; ignoring it.`);
  }
  for (const name of names) {
    const value = parseText(env[name]);
    if (value !== undefined) return value;
  }
  return undefined;
}

/** A text row: its option, else its name, else its aliases; else its default. */
export function readText<D extends string | undefined>(
  variable: TextVariable & { readonly default: D },
  options: PosthogConfigOptions,
  env: Env,
  warn: Warn,
): string | D {
  const names = [variable.name, ...variable.aliases];
  return firstText(options, variable.option, env, names, warn) ?? variable.default;
}

/** A URL row (no aliases): the option, else the variable; else the default. */
export function readUrl<D extends string | undefined>(
  variable: UrlVariable & { readonly default: D },
  options: PosthogConfigOptions,
  env: Env,
  warn: Warn,
): string | D {
  return parseUrl(...pick(options, variable.option, env, variable.name), variable.default, warn);
}

/** A boolean row. */
export function readBoolean(
  variable: BooleanVariable,
  options: PosthogConfigOptions,
  env: Env,
  warn: Warn,
): boolean {
  const [source, raw] = pick(options, variable.option, env, variable.name);
  return parseBoolean(source, raw, variable.default, warn);
}

/** A choice row. */
export function readChoice<T extends string>(
  variable: ChoiceVariable<T>,
  options: PosthogConfigOptions,
  env: Env,
  warn: Warn,
): T {
  const [source, raw] = pick(options, variable.option, env, variable.name);
  return parseChoice(source, raw, variable.choices, variable.default, warn, variable.invalid);
}

/** A positive integer row, at most its `max`. */
export function readInteger(
  variable: IntegerVariable,
  options: PosthogConfigOptions,
  env: Env,
  warn: Warn,
): number {
  const [source, raw] = pick(options, variable.option, env, variable.name);
  return parsePositiveInt(source, raw, variable.default, warn, variable.max);
}

/** A port row: a positive integer up to 65535, else one warning and the default. */
export function readPort(variable: PortVariable, env: Env, warn: Warn): number {
  const port = parsePositiveInt(variable.name, env[variable.name], variable.default, warn);
  if (port <= 65_535) return port;
  warn(`${variable.name}=${port} is above 65535; using the default ${variable.default}.`);
  return variable.default;
}

/** What `DEBUG` says, read once for the library and the reference app. */
export interface DebugSetting {
  /** The value as set, untrimmed; `undefined` when unset. */
  readonly raw: string | undefined;
  /**
   * The value as a boolean word (`1`, `off`…); `undefined` when unset, blank, or a
   * namespace list for the `debug` package (`express:*`).
   */
  readonly word: boolean | undefined;
  /** The value names `express-posthog` (the `debug` package's convention): debug log lines on. */
  readonly logs: boolean;
}

/** Reads `DEBUG`. */
export function readDebug(variable: DebugVariable, env: Env): DebugSetting {
  const raw = env[variable.name];
  return {
    raw,
    word: parseText(raw) === undefined ? undefined : booleanWord(raw ?? ''),
    logs: /\bexpress-posthog\b/.test(raw ?? ''),
  };
}

/** Reads `NODE_ENV`: true when it is `production`, any case, surrounding blanks ignored. */
export function readProduction(variable: NodeEnvVariable, env: Env): boolean {
  return (env[variable.name] ?? '').trim().toLowerCase() === 'production';
}
